"""Small record helpers (a committed test fixture)."""
import json


class Inventory:
    def __init__(self):
        self.items = {}

    def add(self, name, count=1):
        if count <= 0:
            raise ValueError("count must be positive")
        self.items[name] = self.items.get(name, 0) + count

    def remove(self, name, count=1):
        have = self.items.get(name, 0)
        if count > have:
            raise KeyError(name)
        self.items[name] = have - count
        if self.items[name] == 0:
            del self.items[name]

    def total(self):
        return sum(self.items.values())


def load_config(text, defaults=None):
    try:
        data = json.loads(text)
    except json.JSONDecodeError:
        return dict(defaults or {})
    merged = dict(defaults or {})
    merged.update(data)
    return merged


def group_by(records, key):
    groups = {}
    for record in records:
        groups.setdefault(record[key], []).append(record)
    return groups
