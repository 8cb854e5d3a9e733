def not_python(:
    return 1 +
