def split_csv_line(line, delimiter=","):
    """Fields of one CSV line: double quotes group text, and '""' inside quotes is one quote."""
    fields = []
    field = []
    in_quotes = False
    i = 0
    while i < len(line):
        char = line[i]
        if in_quotes:
            if char == '"' and i + 1 < len(line) and line[i + 1] == '"':
                field.append('"')
                i += 1
            elif char == '"':
                in_quotes = False
            else:
                field.append(char)
        elif char == '"':
            in_quotes = True
        elif char == delimiter:
            fields.append("".join(field))
            field = []
        else:
            field.append(char)
        i += 1
    fields.append("".join(field))
    return fields


# --- tests ---
assert split_csv_line("") == [""]
assert split_csv_line("a") == ["a"]
assert split_csv_line("a,b,c") == ["a", "b", "c"]
assert split_csv_line("a,,c,") == ["a", "", "c", ""]
assert split_csv_line('"a,b",c') == ["a,b", "c"]
assert split_csv_line('"say ""hi""",x') == ['say "hi"', "x"]
assert split_csv_line('""') == [""]
assert split_csv_line('""""') == ['"']
assert split_csv_line("a;b,c", delimiter=";") == ["a", "b,c"]
assert split_csv_line(' a , b ') == [" a ", " b "]
assert split_csv_line('x,"1,2,3"') == ["x", "1,2,3"]
assert split_csv_line('"a""b"') == ['a"b']
