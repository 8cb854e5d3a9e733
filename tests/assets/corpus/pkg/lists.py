"""Small list utilities (a committed test fixture)."""


def chunks(items, size):
    result = []
    for start in range(0, len(items), size):
        result.append(items[start : start + size])
    return result


def flatten(nested):
    flat = []
    for item in nested:
        if isinstance(item, list):
            flat.extend(flatten(item))
        else:
            flat.append(item)
    return flat


def binary_search(items, target):
    low, high = 0, len(items) - 1
    while low <= high:
        mid = (low + high) // 2
        if items[mid] == target:
            return mid
        if items[mid] < target:
            low = mid + 1
        else:
            high = mid - 1
    return -1


def dedupe(items):
    seen = set()
    out = []
    for item in items:
        if item not in seen:
            seen.add(item)
            out.append(item)
    return out


def max_index(items):
    best = 0
    for i in range(1, len(items)):
        if items[i] > items[best]:
            best = i
    return best
