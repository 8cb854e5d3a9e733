"""Dataset hygiene: near-duplicate functions and benchmark contamination, by MinHash LSH.

    from codemend.data.hygiene import contamination, near_duplicate_groups, shingles
    shingles("def f(x):\n    return x + 1\n")        # {'def f (', 'f ( x', ...}
    keep = near_duplicate_groups(codes, threshold=0.9)  # representative index of each code
    hits = contamination(train_codes, bench_codes, 0.9)  # [(train index, bench index, jaccard)]

Functions are compared as sets of token 3-grams ("shingles"). Tokens come from a regex
tokenizer: identifiers, keywords, numbers, operators and whole string literals are kept as
written; whitespace and comments are dropped, so re-indenting or re-commenting a function does
not hide a copy of it. Jaccard similarity of the shingle sets is estimated with MinHash and
candidate pairs are found with `datasketch.MinHashLSH`.

Signatures are computed with numpy, in bulk, and equal what `datasketch.MinHash` computes from
the same shingle hashes (its default "affine32" scheme and permutations): feeding shingles to
`MinHash.bulk` (a Python hash call per shingle, a numpy pass per code) was 2-3x slower.
"""

from __future__ import annotations

import functools
import hashlib
import logging
import re
from typing import TYPE_CHECKING, Sequence

if TYPE_CHECKING:
    import numpy as np

logger = logging.getLogger(__name__)

SHINGLE_SIZE = 3
DEFAULT_NUM_PERM = 64

# Whitespace and comments are skipped in front of each token, inside the same match, because
# letting `findall` step over them one character at a time was the tokenizer's main cost. String
# prefixes come before `\w+` so that `rb"..."` stays one token.
_TOKEN = re.compile(
    r"""
    \s*(?:\#[^\r\n]*(?![^\r\n])\s*)*  # a comment runs to the end of its line, never part-way
    (
      (?:[rRbBuUfF]{1,2})?(?:\"\"\"[^"\\]*(?:(?:\\[\s\S]|"(?!""))[^"\\]*)*\"\"\"
                             |'''[^'\\]*(?:(?:\\[\s\S]|'(?!''))[^'\\]*)*''')
    | (?:[rRbBuUfF]{1,2})?(?:"[^"\\\r\n]*(?:\\[\s\S][^"\\\r\n]*)*"
                             |'[^'\\\r\n]*(?:\\[\s\S][^'\\\r\n]*)*')
    | \w+
    | \*\*=?|//=?|>>=?|<<=?|->|:=|[-+*/%&|^<>=!@]=|[^\s\w\#]
    | \Z  # trailing whitespace and comments end in empty matches, so no scan restarts inside them
    )
    """,
    re.VERBOSE,
)
# Multipliers that fold three 64-bit token hashes into one shingle hash (odd, so no bit is lost).
_FOLD = (0x9E3779B97F4A7C15, 0xC2B2AE3D27D4EB4F, 0x165667B19E3779F9)
# Rows of shingles hashed at once: bounds the (rows x num_perm) temporary to ~50 MB.
_CHUNK_ROWS = 200_000


def tokens(code: str) -> list[str]:
    """The code's tokens, without whitespace and comments."""
    found = _TOKEN.findall(code)
    while found and not found[-1]:  # the end-of-code matches
        found.pop()
    return found


def normalized(code: str) -> str:
    """The token sequence as one string: equal for codes that differ only in layout and comments."""
    return " ".join(tokens(code))


def shingles(code: str, size: int = SHINGLE_SIZE) -> set[str]:
    """Token `size`-grams of `code` (the whole token sequence when it is shorter)."""
    toks = tokens(code)
    if len(toks) <= size:
        return {" ".join(toks)}
    return {" ".join(toks[i : i + size]) for i in range(len(toks) - size + 1)}


def jaccard(a: set[str], b: set[str]) -> float:
    return len(a & b) / len(a | b) if a or b else 1.0


def lsh_params(threshold: float, num_perm: int) -> tuple[int, int]:
    """(bands, rows): the longest bands that still make a pair at `threshold` a candidate 99% of the time.

    datasketch's own choice weighs misses and false alarms equally, which at 0.9 with 64
    permutations finds only ~30% of the pairs; false alarms cost little here because every
    candidate is checked against its signature.
    """
    for rows in range(num_perm // 2, 0, -1):
        bands = num_perm // rows
        if bands >= 2 and 1 - (1 - threshold**rows) ** bands >= 0.99:
            return bands, rows
    return num_perm, 1


@functools.lru_cache(maxsize=4)
def _permutations(num_perm: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """The affine permutations (a, b) that `datasketch.MinHash(num_perm, seed)` draws."""
    from datasketch import MinHash

    a, b = MinHash(num_perm=num_perm, seed=seed).permutations
    return a.astype("uint32"), b.astype("uint32")


def prepare(num_perm: int = DEFAULT_NUM_PERM, seed: int = 0) -> None:
    """Import datasketch and draw the permutations now (e.g. before forking workers that need them)."""
    _permutations(num_perm, seed)


class _TokenHashes(dict):
    """token -> 64-bit blake2b hash, computed once per distinct token (PYTHONHASHSEED-proof)."""

    def __missing__(self, token: str) -> int:
        value = int.from_bytes(hashlib.blake2b(token.encode("utf-8", "surrogatepass"), digest_size=8).digest(), "little")
        self[token] = value
        return value


def _fmix32(values: np.ndarray) -> np.ndarray:
    """MurmurHash3's finalizer, which datasketch applies to every input hash before permuting."""
    import numpy as np

    values = values ^ (values >> np.uint32(16))
    values = values * np.uint32(0x85EBCA6B)
    values = values ^ (values >> np.uint32(13))
    values = values * np.uint32(0xC2B2AE35)
    return values ^ (values >> np.uint32(16))


def shingle_hashes(codes: Sequence[str]) -> tuple[np.ndarray, np.ndarray]:
    """32-bit hashes of every code's shingles, concatenated, and the number of shingles per code.

    A code with fewer than three tokens is padded with empty tokens, so it has one shingle.
    """
    import numpy as np

    cache = _TokenHashes()
    lengths = []
    hashes: list[int] = []
    for code in codes:
        toks = tokens(code)
        toks += [""] * (SHINGLE_SIZE - len(toks))
        hashes.extend([cache[token] for token in toks])
        lengths.append(len(toks))
    flat = np.array(hashes, dtype=np.uint64)
    # The shingle starting at token k folds tokens k, k+1, k+2; starts in a code's last two
    # tokens would straddle into the next code and are masked out.
    n = len(flat) - SHINGLE_SIZE + 1
    folded = np.zeros(n, dtype=np.uint64)
    for offset, multiplier in enumerate(_FOLD):
        folded += flat[offset : offset + n] * np.uint64(multiplier)  # wraps mod 2^64, on purpose
    ends = np.cumsum(lengths)
    valid = np.ones(len(flat), dtype=bool)
    for back in range(1, SHINGLE_SIZE):
        valid[ends - back] = False
    counts = np.asarray(lengths) - (SHINGLE_SIZE - 1)
    return (folded[valid[:n]] >> np.uint64(32)).astype(np.uint32), counts


def signatures(codes: Sequence[str], num_perm: int = DEFAULT_NUM_PERM, seed: int = 0) -> np.ndarray:
    """MinHash signatures of the codes' shingle sets, shape (len(codes), num_perm), uint32.

    Row i equals `datasketch.MinHash(num_perm, seed, hashfunc=int)` updated with code i's
    `shingle_hashes`; all codes are permuted in a few large numpy operations instead of one
    `update_batch` per code.
    """
    import numpy as np

    if not codes:
        return np.zeros((0, num_perm), dtype=np.uint32)
    a, b = _permutations(num_perm, seed)
    flat, counts = shingle_hashes(codes)
    flat = _fmix32(flat)
    starts = np.concatenate([[0], np.cumsum(counts)[:-1]])
    out = np.empty((num_perm, len(codes)), dtype=np.uint32)
    first = 0
    while first < len(codes):
        # Whole codes per chunk, so that each minimum is over one code's shingles only. Codes run
        # along the last axis: reduceat is ~10x faster there than down the rows.
        last = max(int(np.searchsorted(starts, starts[first] + _CHUNK_ROWS, side="right")), first + 1)
        lo, hi = starts[first], starts[last - 1] + counts[last - 1]
        permuted = np.multiply(a[:, None], flat[None, lo:hi])  # uint32 wraps mod 2^32: datasketch's affine32
        permuted += b[:, None]
        out[:, first:last] = np.minimum.reduceat(permuted, starts[first:last] - lo, axis=1)
        first = last
    return np.ascontiguousarray(out.T)


def _lean(signature: np.ndarray, seed: int):
    from datasketch import LeanMinHash

    return LeanMinHash(seed=seed, hashvalues=signature, scheme="affine32")


def _index(threshold: float, num_perm: int):
    from datasketch import MinHashLSH

    return MinHashLSH(num_perm=num_perm, params=lsh_params(threshold, num_perm))


def _band_keys(sigs: np.ndarray, threshold: float) -> np.ndarray:
    """One 64-bit key per (code, LSH band): equal bands give equal keys (unequal ones rarely collide)."""
    import numpy as np

    bands, rows = lsh_params(threshold, sigs.shape[1])
    multipliers = (np.arange(rows, dtype=np.uint64) * np.uint64(2) + np.uint64(1)) * np.uint64(_FOLD[0])
    blocks = sigs[:, : bands * rows].astype(np.uint64).reshape(len(sigs), bands, rows)
    return (blocks * multipliers).sum(axis=2, dtype=np.uint64)  # wraps mod 2^64, on purpose


def _in_shared_bucket(keys: np.ndarray, others: np.ndarray | None = None) -> np.ndarray:
    """Which rows share some band key with another row (or, given `others`, with a row of `others`).

    Only such codes can meet in an LSH bucket. The rest (almost all of a real corpus) skip the
    index: a query and an insert per code in datasketch was most of the near-duplicate time.
    """
    import numpy as np

    shared = np.zeros(len(keys), dtype=bool)
    for band in range(keys.shape[1]):
        column = keys[:, band]
        if others is not None:
            shared |= np.isin(column, others[:, band])
        else:
            _, inverse, counts = np.unique(column, return_inverse=True, return_counts=True)
            shared |= counts[inverse] > 1
    return shared


def near_duplicate_groups(
    codes: Sequence[str],
    threshold: float,
    num_perm: int = DEFAULT_NUM_PERM,
    seed: int = 0,
    precomputed: np.ndarray | None = None,
) -> list[int]:
    """For each code, the index of its family's representative (its own index when it is one).

    Codes are visited in order: a code whose estimated Jaccard with an earlier representative
    reaches `threshold` joins the earliest such representative, otherwise it becomes one. So the
    first of a family of copies is kept, and the result depends only on the order and the seed.
    `threshold <= 0` disables the check. `precomputed` takes `signatures(codes, num_perm, seed)`
    computed elsewhere (the data build computes them in its worker processes).
    """
    import numpy as np

    if threshold <= 0 or not codes:
        return list(range(len(codes)))
    sigs = precomputed if precomputed is not None else signatures(codes, num_perm, seed)
    index = _index(threshold, num_perm)
    need = threshold * num_perm  # equal signature entries needed to reach the threshold
    representative = list(range(len(codes)))
    for i in np.flatnonzero(_in_shared_bucket(_band_keys(sigs, threshold))).tolist():
        lean = _lean(sigs[i], seed)
        # Only representatives are in the index, so every candidate is one.
        candidates = sorted(index.query(lean))
        match = next((c for c in candidates if np.count_nonzero(sigs[c] == sigs[i]) >= need), None)
        if match is None:
            index.insert(i, lean, check_duplication=False)
        else:
            representative[i] = match
    logger.info("near-duplicates: %d of %d codes have an earlier near-copy (Jaccard >= %s)",
                sum(r != i for i, r in enumerate(representative)), len(codes), threshold)
    return representative


def contamination(
    train_codes: Sequence[str],
    benchmark_codes: Sequence[str],
    threshold: float,
    num_perm: int = DEFAULT_NUM_PERM,
    seed: int = 0,
    precomputed: np.ndarray | None = None,
) -> list[tuple[int, int, float]]:
    """(train index, benchmark index, Jaccard) for every train code that copies a benchmark code.

    Exact copies (the same tokens: equal up to layout and comments) are always found and score
    1.0; with `threshold > 0`, so are pairs whose shingle sets reach that Jaccard (MinHash LSH
    for candidates, then the exact Jaccard of the two sets, which is the score). Sorted.
    `precomputed` takes the train codes' `signatures(train_codes, num_perm, seed)`.
    """
    if not train_codes or not benchmark_codes:
        return []
    train_sigs = precomputed if precomputed is not None else signatures(train_codes, num_perm, seed)
    bench_sigs = signatures(benchmark_codes, num_perm, seed)
    bench_tokens = [normalized(code) for code in benchmark_codes]
    # Equal token sequences give equal signatures, so only codes with a benchmark signature need
    # to be tokenized again to confirm an exact copy.
    by_signature: dict[bytes, list[int]] = {}
    for j, sig in enumerate(bench_sigs):
        by_signature.setdefault(sig.tobytes(), []).append(j)
    found: dict[tuple[int, int], float] = {}
    for i, sig in enumerate(train_sigs):
        same = by_signature.get(sig.tobytes())
        if same:
            mine = normalized(train_codes[i])
            found.update({(i, j): 1.0 for j in same if bench_tokens[j] == mine})
    if threshold > 0:
        found.update(_near_matches(train_codes, train_sigs, benchmark_codes, bench_sigs, threshold, num_perm, seed, found))
    return sorted((i, j, round(score, 4)) for (i, j), score in found.items())


def _near_matches(
    train_codes: Sequence[str], train_sigs: np.ndarray, benchmark_codes: Sequence[str], bench_sigs: np.ndarray,
    threshold: float, num_perm: int, seed: int, known: dict[tuple[int, int], float],
) -> dict[tuple[int, int], float]:
    import numpy as np

    # The benchmark is the small side, so it is the one indexed; train codes query it.
    index = _index(threshold, num_perm)
    for j, sig in enumerate(bench_sigs):
        index.insert(j, _lean(sig, seed), check_duplication=False)
    bench_shingles: dict[int, set[str]] = {}
    matches = {}
    sharing = _in_shared_bucket(_band_keys(train_sigs, threshold), _band_keys(bench_sigs, threshold))
    for i in np.flatnonzero(sharing).tolist():
        candidates = [j for j in index.query(_lean(train_sigs[i], seed)) if (i, j) not in known]
        if not candidates:
            continue
        mine = shingles(train_codes[i])
        for j in candidates:
            if j not in bench_shingles:
                bench_shingles[j] = shingles(benchmark_codes[j])
            score = jaccard(mine, bench_shingles[j])
            if score >= threshold:
                matches[(i, j)] = score
    return matches
