from codemend.cli import main

raise SystemExit(main())
