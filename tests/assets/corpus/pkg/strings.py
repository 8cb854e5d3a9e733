"""Small string utilities (a committed test fixture)."""
import re


def is_palindrome(text):
    cleaned = [c.lower() for c in text if c.isalnum()]
    return cleaned == cleaned[::-1]


def count_words(text):
    counts = {}
    for word in re.findall(r"\w+", text.lower()):
        counts[word] = counts.get(word, 0) + 1
    return counts


def truncate(text, width, suffix="..."):
    if len(text) <= width:
        return text
    return text[: width - len(suffix)] + suffix


def capitalize_words(text):
    words = text.split(" ")
    return " ".join(w[:1].upper() + w[1:] for w in words)


class Slugger:
    def __init__(self, sep="-"):
        self.sep = sep
        self.seen = set()

    def slug(self, text):
        base = self.sep.join(re.findall(r"[a-z0-9]+", text.lower()))
        candidate = base
        index = 1
        while candidate in self.seen:
            index += 1
            candidate = f"{base}{self.sep}{index}"
        self.seen.add(candidate)
        return candidate
