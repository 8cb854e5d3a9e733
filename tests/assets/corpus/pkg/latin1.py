def latin1():
    return "café"
