# (program, slug, bug kind, [(old, new), ...]) -- applied to the program's module code in order.
SPECS = [
("lcm", "sequential-swap", "tuple assignment split into sequential statements", [
    ("        a, b = b, a % b\n", "        a = b\n        b = a % b\n")]),
("fibonacci", "sequential-swap", "tuple assignment split into sequential statements", [
    ("        a, b = b, a + b\n", "        a = b\n        b = a + b\n")]),
("lcm", "shadowed-helper", "local variable shadows a module-level function", [
    ("    return abs(a * b) // gcd(a, b)\n", "    gcd = gcd(a, b)\n    return abs(a * b) // gcd\n")]),
("flatten", "mutable-default", "mutable default argument", [
    ("def flatten(nested):\n", "def flatten(nested, flat=[]):\n"),
    ("    flat = []\n", ""),
    ("            flat.extend(flatten(item))\n", "            flatten(item, flat)\n")]),
("group_by", "mutable-default", "mutable default argument", [
    ("def group_by(items, key):\n", "def group_by(items, key, groups={}):\n"),
    ("    groups = {}\n", "")]),
("bank_account", "mutable-default", "mutable default argument", [
    ("    def __init__(self, owner, balance=0):\n", "    def __init__(self, owner, balance=0, history=[]):\n"),
    ("        self.history = []\n", "        self.history = history\n")]),
("make_range_checks", "late-binding", "late-binding closure in a loop", [
    ("""
    def between(low, high):
        return lambda value: low <= value <= high

    return [between(low, high) for low, high in bounds]
""", """
    return [lambda value: low <= value <= high for low, high in bounds]
""")]),
("binomial", "float-division", "float division where exact integer arithmetic is needed", [
    ("        result = result * (n - i) // (i + 1)\n    return result\n",
     "        result *= (n - i) / (i + 1)\n    return int(result)\n")]),
("drop_rare", "mutate-while-iterating", "dict changed size while iterating over it", [
    ("""    rare = [key for key, count in counts.items() if count < min_count]
    for key in rare:
        del counts[key]
""", """    rare = []
    for key, count in counts.items():
        if count < min_count:
            del counts[key]
            rare.append(key)
""")]),
("word_wrap", "split-space", "str.split(' ') where split() is needed", [
    ("    for word in text.split():\n", "    for word in text.split(\" \"):\n")]),
("top_words", "sort-key", "wrong sort key (reverse=True also reverses the tie-break)", [
    ("key=lambda pair: (-pair[1], pair[0]))", "key=lambda pair: (pair[1], pair[0]), reverse=True)")]),
("merge_intervals", "sort-late", "sorted after merging instead of before", [
    ("    for start, end in sorted(intervals):\n", "    for start, end in intervals:\n"),
    ("            merged.append([start, end])\n    return merged\n",
     "            merged.append([start, end])\n    merged.sort()\n    return merged\n")]),
("compare_versions", "is-not", "identity comparison (is not) between ints", [
    ("        if x != y:\n", "        if x is not y:\n")]),
("run_length_encode", "missing-empty", "missing empty-input branch", [
    ("    if not text:\n        return \"\"\n", "")]),
("longest_common_prefix", "missing-empty", "missing empty-input branch", [
    ("    if not words:\n        return \"\"\n", "")]),
("permutations", "base-case", "wrong recursion base case", [
    ("    if len(items) <= 1:\n        return [list(items)]\n", "    if not items:\n        return []\n")]),
("power_set", "base-case", "wrong recursion base case", [
    ("    if not items:\n        return [[]]\n", "    if len(items) == 1:\n        return [[], items]\n")]),
("hanoi", "base-case", "wrong recursion base case", [
    ("    if n == 0:\n        return []\n", "    if n == 1:\n        return [(source, target)]\n")]),
("insertion_sort", "no-early-exit", "loop condition moved into the body (no early exit)", [
    ("""        while j >= 0 and key(result[j]) > key(current):
            result[j + 1] = result[j]
            j -= 1
""", """        while j >= 0:
            if key(result[j]) > key(current):
                result[j + 1] = result[j]
            j -= 1
""")]),
("count_islands", "if-instead-of-while", "if where a while loop is needed", [
    ("            while stack:\n", "            if stack:\n")]),
("dijkstra", "first-distance-kept", "first distance found is kept, later shorter ones ignored", [
    ("""            if candidate < distances.get(neighbour, float("inf")):
""", """            if neighbour not in distances:
""")]),
("topological_sort", "missing-cycle-check", "missing error branch for invalid input", [
    ("    if len(order) != len(indegree):\n        raise ValueError(\"graph has a cycle\")\n", "")]),
("knapsack", "loop-direction", "loop runs in the wrong direction (items reused)", [
    ("        for room in range(capacity, weight - 1, -1):\n", "        for room in range(weight, capacity + 1):\n")]),
("coin_change", "greedy", "greedy algorithm where dynamic programming is needed", [
    ("""    fewest = [0] + [float("inf")] * amount
    for total in range(1, amount + 1):
        for coin in coins:
            if coin <= total and fewest[total - coin] + 1 < fewest[total]:
                fewest[total] = fewest[total - coin] + 1
    return fewest[amount] if fewest[amount] != float("inf") else -1
""", """    count = 0
    for coin in sorted(coins, reverse=True):
        used, amount = divmod(amount, coin)
        count += used
    return count if amount == 0 else -1
""")]),
("edit_distance", "dp-init", "DP table row initialised without its base case", [
    ("        current = [i] + [0] * len(b)\n", "        current = [0] * (len(b) + 1)\n")]),
("longest_increasing_subsequence", "last-cell", "answer read from the last DP cell instead of the best one", [
    ("    return max(best, default=0)\n", "    return best[-1] if best else 0\n")]),
("max_subarray", "reset-to-zero", "running sum reset to zero (all-negative input breaks)", [
    ("""    best = current = values[0]
    for value in values[1:]:
        current = max(value, current + value)
""", """    best = current = 0
    for value in values:
        current = max(0, current + value)
""")]),
("sliding_window_max", "read-before-evict", "statements in the wrong order (maximum read before eviction)", [
    ("""        if window[0] <= i - k:
            window.popleft()
        if i >= k - 1:
            maxima.append(values[window[0]])
""", """        if i >= k - 1:
            maxima.append(values[window[0]])
        if window[0] <= i - k:
            window.popleft()
""")]),
("two_sum", "statement-order", "statements in the wrong order (an element pairs with itself)", [
    ("""        if target - number in seen:
            return seen[target - number], j
        seen.setdefault(number, j)
""", """        seen.setdefault(number, j)
        if target - number in seen:
            return seen[target - number], j
""")]),
("unique_in_order", "set-loses-order", "set() loses the input order", [
    ("""    seen = set()
    result = []
    for item in items:
        if item not in seen:
            seen.add(item)
            result.append(item)
    return result
""", """    return list(set(items))
""")]),
("caesar_cipher", "wrap-lowercase-only", "wrap-around checked against the lowercase range only", [
    ("""            base = ord("a") if char.islower() else ord("A")
            result.append(chr((ord(char) - base + shift) % 26 + base))
""", """            code = ord(char) + shift % 26
            if code > ord("z"):
                code -= 26
            result.append(chr(code))
""")]),
("camel_to_snake", "underscore-every-capital", "naive rule: underscore before every capital", [
    ("""    for i, char in enumerate(name):
        if char.isupper():
            after_lower = i > 0 and (name[i - 1].islower() or name[i - 1].isdigit())
            ends_acronym = 0 < i < len(name) - 1 and name[i - 1].isupper() and name[i + 1].islower()
            if after_lower or ends_acronym:
                out.append("_")
            out.append(char.lower())
""", """    for char in name:
        if char.isupper():
            out.append("_")
            out.append(char.lower())
""")]),
("snake_to_camel", "str-title", "str.title() also capitalises letters after digits", [
    ("""    words = [word for word in name.split("_") if word]
    if not words:
        return ""
    head = words[0].capitalize() if upper_first else words[0].lower()
    return head + "".join(word.capitalize() for word in words[1:])
""", """    camel = name.lower().title().replace("_", "")
    if upper_first:
        return camel
    return camel[:1].lower() + camel[1:]
""")]),
("split_csv_line", "naive-split", "naive split ignores quoting", [
    ("""    fields = []
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
""", """    return [field.strip('"') for field in line.split(delimiter)]
""")]),
("parse_query", "dict-overwrites", "repeated keys overwrite instead of accumulating", [
    ("""    for pair in query.split("&"):
        if not pair:
            continue
        key, _, value = pair.partition("=")
        params.setdefault(key, []).append(value)
    return params
""", """    for pair in query.split("&"):
        if pair:
            key, value = pair.split("=", 1)
            params[key] = [value]
    return params
""")]),
("matrix_multiply", "aliased-rows", "list multiplication aliases the rows", [
    ("""    return [[sum(a[i][k] * b[k][j] for k in range(inner)) for j in range(cols)] for i in range(rows)]
""", """    result = [[0] * cols] * rows
    for i in range(rows):
        for j in range(cols):
            for k in range(inner):
                result[i][j] += a[i][k] * b[k][j]
    return result
""")]),
("median", "sorts-input", "sorts the caller's list in place", [
    ("    ordered = sorted(values)\n", "    values.sort()\n    ordered = values\n")]),
("luhn_check", "mod-nine", "digit-sum shortcut wrong for 9 (x * 2 % 9)", [
    ("""            digit *= 2
            if digit > 9:
                digit -= 9
""", """            digit = digit * 2 % 9
""")]),
("integer_sqrt", "float-sqrt", "float square root loses precision on big integers", [
    ("""    if n < 2:
        return n
    x = n
    y = (x + 1) // 2
    while y < x:
        x = y
        y = (x + n // x) // 2
    return x
""", """    return int(n ** 0.5)
""")]),
("number_to_words", "inlined-recursion", "duplicated logic instead of the recursive call", [
    ("""    return words + (" " + number_to_words(rest) if rest else "")
""", """    if rest:
        words += " " + TENS[rest // 10] + "-" + ONES[rest % 10]
    return words
""")]),
("prime_factors", "divide-once", "repeated factor divided out only once (if where while is needed)", [
    ("        while n % divisor == 0:\n", "        if n % divisor == 0:\n")]),
("from_roman", "subtract-once", "subtractive notation: smaller value subtracted once instead of twice", [
    ("""    total = 0
    for i, char in enumerate(text):
        value = VALUES[char]
        if i + 1 < len(text) and VALUES[text[i + 1]] > value:
            total -= value
        else:
            total += value
    return total
""", """    total = 0
    previous = 0
    for char in text:
        value = VALUES[char]
        total += value
        if value > previous:
            total -= previous
        previous = value
    return total
""")]),
("primes_up_to", "compensating-off-by-one", "off-by-one array size with a compensating loop bound", [
    ("    is_prime = [True] * (n + 1)\n", "    is_prime = [True] * n\n"),
    ("            for multiple in range(p * p, n + 1, p):\n", "            for multiple in range(p * p, n, p):\n")]),
("partition_three_way", "decrement-before-swap", "statements in the wrong order (decrement before swap)", [
    ("""            items[mid], items[high] = items[high], items[mid]
            high -= 1
""", """            high -= 1
            items[mid], items[high] = items[high], items[mid]
""")]),
("is_bipartite", "one-component", "search starts from one node only (other components missed)", [
    ("""    side = {}
    for start in graph:
        if start in side:
            continue
        side[start] = 0
        queue = deque([start])
        while queue:
            node = queue.popleft()
            for neighbour in graph[node]:
                if neighbour not in side:
                    side[neighbour] = 1 - side[node]
                    queue.append(neighbour)
                elif side[neighbour] == side[node]:
                    return False
    return True
""", """    if not graph:
        return True
    start = next(iter(graph))
    side = {start: 0}
    queue = deque([start])
    while queue:
        node = queue.popleft()
        for neighbour in graph[node]:
            if neighbour not in side:
                side[neighbour] = 1 - side[node]
                queue.append(neighbour)
            elif side[neighbour] == side[node]:
                return False
    return True
""")]),
("has_cycle", "one-visited-set", "one visited set cannot tell a cycle from a shared descendant", [
    ("""    WHITE, GREY, BLACK = 0, 1, 2
    color = {}

    def visit(node):
        color[node] = GREY
        for target in graph.get(node, []):
            state = color.get(target, WHITE)
            if state == GREY:
                return True
            if state == WHITE and visit(target):
                return True
        color[node] = BLACK
        return False

    return any(color.get(node, WHITE) == WHITE and visit(node) for node in graph)
""", """    visited = set()

    def visit(node):
        if node in visited:
            return True
        visited.add(node)
        return any(visit(target) for target in graph.get(node, []))

    return any(visit(node) for node in graph if node not in visited)
""")]),
("count_components", "unconditional-merge", "merge counted even when already connected", [
    ("""        root_a, root_b = find(a), find(b)
        if root_a != root_b:
            parent[root_a] = root_b
            components -= 1
""", """        parent[find(a)] = find(b)
        components -= 1
""")]),
("lru_cache", "evict-first", "evicts before checking whether the key is already cached", [
    ("""        if key in self._data:
            self._data.move_to_end(key)
        self._data[key] = value
        if len(self._data) > self.capacity:
            self._data.popitem(last=False)
""", """        if len(self._data) >= self.capacity:
            self._data.popitem(last=False)
        self._data[key] = value
        self._data.move_to_end(key)
""")]),
("min_stack", "single-minimum", "tracks one minimum instead of a stack of minima", [
    ("        self._minima = []\n", "        self._min = None\n"),
    ("""        if not self._minima or item <= self._minima[-1]:
            self._minima.append(item)
""", """        if self._min is None or item < self._min:
            self._min = item
"""),
    ("""        item = self._items.pop()
        if item == self._minima[-1]:
            self._minima.pop()
        return item
""", """        return self._items.pop()
"""),
    ("""        if not self._minima:
            raise IndexError("min of an empty stack")
        return self._minima[-1]
""", """        if self._min is None:
            raise IndexError("min of an empty stack")
        return self._min
""")]),
("two_stack_queue", "refill-always", "refills the out-stack while it still holds items", [
    ("""        if not self._outbox:
            while self._inbox:
                self._outbox.append(self._inbox.pop())
""", """        while self._inbox:
            self._outbox.append(self._inbox.pop())
""")]),
("deep_merge", "shallow-merge", "shallow merge where a recursive merge is needed", [
    ("""    merged = dict(base)
    for key, value in override.items():
        if isinstance(value, dict) and isinstance(merged.get(key), dict):
            merged[key] = deep_merge(merged[key], value)
        else:
            merged[key] = value
    return merged
""", """    return {**base, **override}
""")]),
("eval_rpn", "floor-division", "floor division where truncation toward zero is needed", [
    ("                stack.append(int(left / right))\n", "                stack.append(left // right)\n")]),
("tokenize_expression", "single-digit", "scans one digit instead of the whole number", [
    ("""            while i < len(expression) and expression[i].isdigit():
                i += 1
            tokens.append(int(expression[start:i]))
""", """            i += 1
            tokens.append(int(expression[start:i]))
""")]),
("spiral_order", "missing-guard", "missing guard for a single remaining row or column", [
    ("""        if top < bottom and left < right:
            for col in range(right - 1, left - 1, -1):
                result.append(matrix[bottom][col])
            for row in range(bottom - 1, top, -1):
                result.append(matrix[row][left])
""", """        for col in range(right - 1, left - 1, -1):
            result.append(matrix[bottom][col])
        for row in range(bottom - 1, top, -1):
            result.append(matrix[row][left])
""")]),
("pascal_triangle", "shared-row", "the same list object appended for every row", [
    ("""    rows = []
    for i in range(n):
        row = [1] * (i + 1)
        for j in range(1, i):
            row[j] = rows[i - 1][j - 1] + rows[i - 1][j]
        rows.append(row)
    return rows
""", """    rows = []
    row = []
    for i in range(n):
        row.append(1)
        for j in range(i - 1, 0, -1):
            row[j] += row[j - 1]
        rows.append(row)
    return rows
""")]),
("count_change_ways", "loops-swapped", "loops nested the wrong way round (counts orderings)", [
    ("""    for coin in coins:
        for total in range(coin, amount + 1):
            ways[total] += ways[total - coin]
""", """    for total in range(1, amount + 1):
        for coin in coins:
            if coin <= total:
                ways[total] += ways[total - coin]
""")]),
("chunk_list", "drops-last-chunk", "while-loop bound drops the final short chunk", [
    ("""    return [items[i:i + size] for i in range(0, len(items), size)]
""", """    chunks = []
    i = 0
    while i + size <= len(items):
        chunks.append(items[i:i + size])
        i += size
    return chunks
""")]),
("group_anagrams", "set-of-letters", "set of letters ignores repeated letters", [
    ("        key = \"\".join(sorted(word.lower()))\n", "        key = frozenset(word.lower())\n")]),
]
