"""Small, correct functions used as mutation fixtures (QuixBugs-like algorithms plus everyday code).

Tests read this file as text and split it into one source per top-level function; it is never run.
Between them the functions give every operator in `codemend.data.operators` at least one site.
"""

import copy
import functools
import json


def bitcount(n):
    count = 0
    while n:
        n &= n - 1
        count += 1
    return count


def gcd(a, b):
    if b == 0:
        return a
    else:
        return gcd(b, a % b)


def find_first_in_sorted(arr, x):
    lo = 0
    hi = len(arr)
    while lo <= hi - 1:
        mid = (lo + hi) // 2
        if x == arr[mid] and (mid == 0 or x != arr[mid - 1]):
            return mid
        elif x <= arr[mid]:
            hi = mid
        else:
            lo = mid + 1
    return -1


def bucketsort(arr, k):
    counts = [0] * k
    for x in arr:
        counts[x] += 1
    sorted_arr = []
    for i, count in enumerate(counts):
        sorted_arr.extend([i] * count)
    return sorted_arr


def lis(arr):
    ends = {}
    longest = 0
    for i, val in enumerate(arr):
        prefix_lengths = [j for j in range(1, longest + 1) if arr[ends[j]] < val]
        length = max(prefix_lengths) if prefix_lengths else 0
        if length == longest or val < arr[ends[length + 1]]:
            ends[length + 1] = i
            longest = max(longest, length + 1)
    return longest


def next_palindrome(digit_list):
    high_mid = len(digit_list) // 2
    low_mid = (len(digit_list) - 1) // 2
    while high_mid < len(digit_list) and low_mid >= 0:
        if digit_list[high_mid] == 9:
            digit_list[high_mid] = 0
            digit_list[low_mid] = 0
            high_mid += 1
            low_mid -= 1
        else:
            digit_list[high_mid] += 1
            if low_mid != high_mid:
                digit_list[low_mid] += 1
            return digit_list
    return [1] + (len(digit_list) - 1) * [0] + [1]


def shunting_yard(tokens):
    precedence = {"+": 1, "-": 1, "*": 2, "/": 2}
    rpntokens = []
    opstack = []
    for token in tokens:
        if isinstance(token, int):
            rpntokens.append(token)
        else:
            while opstack and precedence[token] <= precedence[opstack[-1]]:
                rpntokens.append(opstack.pop())
            opstack.append(token)
    while opstack:
        rpntokens.append(opstack.pop())
    return rpntokens


@functools.lru_cache(maxsize=32)
def load_settings(path, defaults=None, strict=False):
    """Read a JSON settings file and merge it over a copy of the defaults."""
    settings = copy.deepcopy(defaults) if defaults is not None else {}
    try:
        with open(path, encoding="utf-8") as handle:
            loaded = json.load(handle)
    except FileNotFoundError:
        if strict:
            raise
        return settings
    except (KeyError, ValueError) as error:
        raise RuntimeError(f"bad settings in {path}: {error}") from error
    for key, value in sorted(loaded.items(), reverse=True):
        if not key.startswith("_"):
            settings[key.lower()] = value
    return settings


def tail_lines(text, count=10, keep_blank=True):
    lines = text.splitlines()
    if not keep_blank:
        lines = [line for line in lines if line.strip()]
    start = max(len(lines) - count, 0)
    return lines[start:]


def summarize(records, field="score"):
    seen = set()
    total = 0.5
    best = None
    history = list(records)
    for record in history:
        name = record.name
        if name in seen:
            continue
        seen.add(name)
        total = total + record[field] * record.weight
        if best is None or record.weight > best.weight:
            best = record
    snapshot = history[:]
    backup = history.copy()
    result = dict(seen=sorted(seen), total=round(total, 2), best=best)
    return result, snapshot, backup, not history, ~len(seen), -total, True
