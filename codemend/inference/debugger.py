"""A loaded debugger model, kept warm between calls: propose fixes, score candidates, read surprise.

    debugger = Debugger.load("runs/model")
    candidates = debugger.propose(code, context="import os", n=10)
"""

from __future__ import annotations

import logging
import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from codemend.task import FormatError, LineEdit, apply_output, build_source, compute_edit, function_offset, render_edit
from codemend.training.checkpoint import TaskSpec, load_checkpoint
from codemend.training.generation import TrieReading, generate_from, prompt_state, read_prompt, score_targets

if TYPE_CHECKING:
    from codemend.inference.naturalness import PromptLines
    from codemend.training.generation import Prompt

logger = logging.getLogger(__name__)


@dataclass
class Candidate:
    """One proposed fix of one function."""

    patched: str  # the whole patched function
    line: int  # edited line, 1-based in the buggy function
    target: str  # what the model would write for this fix (edit or whole function)
    origin: set[str] = field(default_factory=set)  # {"model"} (a beam), {"placed"} (Debugger.propose_at), {"operator"}, or several
    operator: str = ""  # the bug operator whose inverse produced it, if any
    score: float = -math.inf  # model's mean log-probability of `target` (higher: more likely)
    status: str = "not validated"  # sandbox verdict once validated: passed / failed / error / timeout / ...
    detail: str = ""  # first failure line, when validation failed


@dataclass(frozen=True)
class PromptRead:
    """The last function's task prompt as the model read it (Debugger._prompt): proposing, scoring and
    the naturalness reading share it."""

    source: str  # the task prompt's source (context, numbered function, trace)
    prompt: Prompt
    code: str  # the function it numbers
    layout: PromptLines | None = None  # where its lines lie in the prompt's tokens (causal models)


# Candidates re-ranked by naturalness (see Debugger.score). Fewer cost less (each is a read of its
# lines: ~0.02 s) but 4 instead of 8 ranked 1-3 points worse on 2 of 3 measurements (docs/measured.md).
SHORTLIST = 8


def shortlist_of(edit: list[float], size: int = SHORTLIST) -> list[int]:
    """Indices of the `size` candidates with the best edit likelihood, best first."""
    return sorted(range(len(edit)), key=lambda i: -edit[i])[:size]


def rerank(edit: list[float], deltas: dict[int, float], weight: float) -> list[float]:
    """Final candidate scores: the shortlisted (indices in `deltas`) get edit + weight x naturalness delta
    and stay ahead of the rest, which keep their edit-likelihood order below the shortlist's worst."""
    if not weight or not deltas:
        return list(edit)
    return promote(edit, {i: edit[i] + weight * delta for i, delta in deltas.items()})


def promote(base: list[float], better: dict[int, float]) -> list[float]:
    """The indices in `better` take its (better-informed) scores and stay ahead of the rest, which keep
    their `base` order, shifted below the promoted's worst."""
    if not better:
        return list(base)
    lowest, floor = min(better.values()), min(base[i] for i in better)
    return [better[i] if i in better else lowest - (floor - value) - 1e-6 for i, value in enumerate(base)]


FULLY_READ = 24  # candidates whose whole target the model reads (see Debugger.edit_scores)
QUICK_TOKENS = 3  # how far past its first own token a candidate is read in the quick pass


class Debugger:
    def __init__(self, model, tokenizer, spec: TaskSpec, path: str = ""):
        self.model, self.tokenizer, self.spec, self.path = model, tokenizer, spec, path
        self._last_reading = None  # (code, naturalness.Reading) of the last function read
        self._last_prompt: PromptRead | None = None

    @classmethod
    def load(cls, path: str | Path, precision: str = "auto", engine: str = "auto") -> "Debugger":
        """The checkpoint at `path` with its weights in `precision` (auto: bf16 where this CPU is faster in it, else fp32;
        see checkpoint.inference_precision), computed by `engine` (see checkpoint.load_checkpoint)."""
        model, tokenizer, spec = load_checkpoint(path, precision, engine)
        return cls(model, tokenizer, spec, str(path))

    def source(self, code: str, context: str = "", trace: str = "") -> str:
        """The model input for a function, formatted exactly as in training."""
        return build_source(code, context if self.spec.include_context else "", trace if self.spec.include_trace else "")

    def too_long(self, code: str, context: str = "", trace: str = "") -> str:
        """Why the model cannot read this function's task prompt and write a fix within the positions it
        was trained on ("" when it can): past them a decoder-only model's rotary positions were never
        trained, and its scores are noise (a 1,400-line function's 20k-token prompt put SmolLM2-135M's
        first suggestion 1,255 lines from the bug, after 3 minutes and 11 GB)."""
        from codemend.training.tokenize import causal_prompt

        positions = getattr(self.model.config, "max_position_embeddings", None)
        if self.spec.arch != "causal" or not positions:
            return ""
        text = causal_prompt(self.source(code, context, trace))
        room = positions - self.spec.max_target_tokens - 1  # the start token; the fix is written after the prompt
        if len(text.encode()) <= room:  # a byte-level token holds at least one byte: no need to count them
            return ""
        tokens = len(self.tokenizer(text, add_special_tokens=False)["input_ids"])
        if tokens <= room:
            return ""
        return (f"its task prompt is {tokens:,} tokens, and the model reads {positions:,} positions, "
                f"{self.spec.max_target_tokens} of them kept for the fix")

    def target_for(self, code: str, patched: str, edit: LineEdit | None = None) -> str | None:
        """What this model would have to write to produce `patched` (None if not one edit); `edit`: the
        line edit from `code` to `patched` when the caller has it (`compute_edit`: a diff of the whole code)."""
        if self.spec.output_format == "function":
            return patched.rstrip("\n")
        edit = edit or compute_edit(code, patched)
        return render_edit(edit) if edit else None

    def propose(self, code: str, context: str = "", trace: str = "", n: int = 10) -> list[Candidate]:
        """Up to `n` distinct, parseable, non-trivial fixes from beam search, best first."""
        beams = generate_from(self.model, self.tokenizer, self._prompt(code, context, trace), self.spec.arch,
                              self.spec.max_target_tokens, num_beams=n, num_return=n)
        return self._applied(code, [(beam.text, beam.score) for beam in beams])

    def propose_at(self, code: str, prefixes: list[str], context: str = "", trace: str = "", n: int = 3) -> list[Candidate]:
        """Up to `n` fixes per forced beginning of the model's output, each a place the caller chose
        ("replace 7", or "insert 5\n    total =" to bind a name): beam search continues each. Free beams
        put the fix at the model's likeliest line; these ask it what it would write where the tests
        or the code point. Their origin is "placed". Needs the edit output format of a decoder-only
        model ([] otherwise)."""
        if self.spec.arch != "causal" or self.spec.output_format != "edit" or n <= 0:
            return []
        prompt, found = self._prompt(code, context, trace), []
        for prefix in prefixes:
            beams = generate_from(self.model, self.tokenizer, prompt, self.spec.arch, self.spec.max_target_tokens,
                                  num_beams=n, num_return=n, prefix=prefix)
            found += [(prefix + beam.text, beam.score) for beam in beams]
        return self._applied(code, found, "placed")

    def _applied(self, code: str, outputs: list[tuple[str, float]], origin: str = "model") -> list[Candidate]:
        """The outputs that apply to `code` as a parseable, non-trivial fix, as candidates from `origin`."""
        candidates, dead, ignored = [], unreachable_statements(code), ignored_parameters(code)
        for text, score in outputs:
            try:
                patch = apply_output(code, text, self.spec.output_format)
            except FormatError:
                continue
            # Code added after a return (`return a - b` then `a, b = a + b`) changes nothing a test can see;
            # an argument replaced by a constant (`a, b = 10, 20` in `ratio(a, b)`) fits a test, not the code.
            # A beam that changes only spacing or a comment (`flat.append( item)`) is no fix: on builtin:operator
            # one ranked 7th, above a true fix then 11th.
            if (not same_program(patch.patched, code) and 0 <= unreachable_statements(patch.patched) <= dead
                    and ignored_parameters(patch.patched) <= ignored):
                candidates.append(Candidate(patch.patched, patch.line, text, {origin}, score=score))
        return candidates

    def score(self, code: str, candidates: list[Candidate], context: str = "", trace: str = "", shortlist: int = SHORTLIST) -> None:
        """Set every candidate's score: the model's likelihood of writing it (one shared prefix); for causal
        models with a tuned `naturalness_weight`, the `shortlist` best by that score are re-ranked by
        likelihood + weight x naturalness delta and stay ahead of the rest (reading every candidate's
        lines costs ~4 ms per token on 2 CPU cores for a 135M model: the shortlist bounds it)."""
        edit = self.edit_scores(code, candidates, context, trace)
        weight = self.spec.naturalness_weight if self.spec.arch == "causal" else 0.0
        short = shortlist_of(edit, shortlist) if weight else []
        deltas = dict(zip(short, self.naturalness(code, [candidates[i] for i in short])))
        for candidate, value in zip(candidates, rerank(edit, deltas, weight)):
            candidate.score = value

    def edit_scores(self, code: str, candidates: list[Candidate], context: str = "", trace: str = "") -> list[float]:
        """Mean log-probability per token of each candidate's target given the buggy function.

        A space larger than FULLY_READ is read in two passes: every target up to QUICK_TOKENS past where
        it first differs from the others, then the FULLY_READ best of that quick pass to their end
        (they rank first), reading on from the quick pass's packed cache (`generation.TrieReading`).
        Long functions hold hundreds of candidates whose lines' tails cost most of the reading; on 100
        held-out stdlib bugs the two passes gave the same top-1 fix as the full reading for all 100,
        in 2.05 instead of 3.0 s per function.
        """
        source = self.source(code, context, trace)
        targets, prompt = [c.target for c in candidates], self._prompt(code, context, trace, defer=True)
        reading = TrieReading()  # the second pass reads on from the first one's packed cache, not afresh

        def score(texts: list[str], own_tokens: int = 0) -> list[float]:
            return score_targets(self.model, self.tokenizer, source, texts, self.spec.arch, prompt=prompt, own_tokens=own_tokens,
                                 reading=reading)

        if len(targets) <= FULLY_READ or self.spec.arch != "causal":
            return score(targets)
        quick = score(targets, own_tokens=QUICK_TOKENS)
        best = shortlist_of(quick, FULLY_READ)
        return promote(quick, dict(zip(best, score([targets[i] for i in best]))))

    def naturalness(self, code: str, candidates: list[Candidate]) -> list[float]:
        """log p(edited window) - log p(original window) per candidate; [] for seq2seq models."""
        if self.spec.arch != "causal":
            return []
        from codemend.inference.naturalness import naturalness_deltas

        return naturalness_deltas(self.model, self.tokenizer, code, [c.patched for c in candidates], reading=self._reading(code))

    def _prompt(self, code: str, context: str = "", trace: str = "", defer: bool = False):
        """The model's reading of a function's task source, kept for the last one: proposing, scoring and
        naturalness share it. A causal model's reading keeps the logits of the function's lines (the
        reading naturalness needs, `_reading`). `defer`: read with the first candidates scored on it
        (`generation.read_prompt`)."""
        source = self.source(code, context, trace)
        if self._last_prompt is None or self._last_prompt.source != source:
            layout = self._layout(code, context, source) if self.spec.arch == "causal" else None
            logits_for = layout.logits_for if layout is not None else None
            prompt = read_prompt(self.model, self.tokenizer, source, self.spec.arch, defer=defer, logits_for=logits_for)
            self._last_prompt = PromptRead(source, prompt, code, layout)
        return self._last_prompt.prompt

    def _layout(self, code: str, context: str, source: str):
        """Where the function's numbered lines lie in the prompt's tokens (None where they do not start on token boundaries)."""
        from codemend.inference.naturalness import prompt_lines
        from codemend.training.tokenize import causal_prompt

        offset = function_offset(context if self.spec.include_context else "")
        return prompt_lines(self.tokenizer, causal_prompt(source), offset, code)

    def _reading(self, code: str, context: str = ""):
        """The model's line-by-line reading of `code`, kept for the last function: scoring candidates and
        localizing by surprise share it. It is the task prompt's own reading of the function's lines
        (`naturalness.read_in_prompt`: no forward pass of its own when the prompt was read to score or
        propose); where the prompt's tokens do not start each line, the plain function's (`naturalness.read`)."""
        from codemend.inference.naturalness import read, read_in_prompt

        if self._last_reading is None or self._last_reading[0] != code:
            if self._last_prompt is None or self._last_prompt.code != code:
                self._prompt(code, context)
            read_last = self._last_prompt
            if read_last.layout is None:
                reading = read(self.model, self.tokenizer, code)
            else:
                prompt_state(self.model, read_last.prompt)  # reads a deferred prompt now
                reading = read_in_prompt(code, read_last.layout, read_last.prompt)
            self._last_reading = (code, reading)
        return self._last_reading[1]

    def token_surprise(self, code: str) -> list[TokenSurprise]:
        """Per-token surprise (-log p) of the function's code under the model: the tokens of the reading
        naturalness uses (`_reading`), so a page's token heat and its lines' surprise agree.

        Needs a decoder-only model; returns [] for seq2seq models, which have no such reading.
        """
        if self.spec.arch != "causal":
            return []
        from codemend.inference.naturalness import token_surprises

        lines = code.splitlines()
        return [TokenSurprise(number, start, end, lines[number - 1][start:end], surprise)
                for number, start, end, surprise in token_surprises(self._reading(code))]

    def line_surprise(self, code: str, context: str = "") -> dict[int, float]:
        """Naturalness: mean surprise of each line's non-blank tokens (1-based), as the task prompt with
        `context` shows the function; {} for seq2seq models."""
        if self.spec.arch != "causal":
            return {}
        from codemend.inference.naturalness import line_surprise

        return line_surprise(self._reading(code, context))


@dataclass(frozen=True)
class TokenSurprise:
    line: int  # 1-based line in the function
    start: int  # column where the token starts (0-based)
    end: int  # column after it
    text: str
    surprise: float  # -log p(token | everything before it)


_ENDS_BLOCK = ("Return", "Raise", "Continue", "Break")


def same_program(a: str, b: str) -> bool:
    """Whether `a` and `b` parse to the same syntax tree (spacing and comments aside); as text when either does not parse."""
    import ast

    try:
        return ast.dump(ast.parse(a)) == ast.dump(ast.parse(b))
    except (SyntaxError, ValueError, RecursionError):  # RecursionError: ast.dump of ~1,500 chained `+` (QA review)
        return a.strip() == b.strip()


def unreachable_statements(code: str) -> int:
    """How many statements of `code` follow a return, raise, continue or break in their own block;
    -1 when `code` does not parse."""
    import ast

    try:
        tree = ast.parse(code)
    except (SyntaxError, ValueError):
        return -1
    dead = 0
    for node in ast.walk(tree):
        for name in ("body", "orelse", "finalbody"):
            block = getattr(node, name, None)
            if isinstance(block, list):
                ends = [i for i, statement in enumerate(block) if type(statement).__name__ in _ENDS_BLOCK]
                dead += len(block) - ends[0] - 1 if ends else 0
    return dead


def ignored_parameters(code: str) -> int:
    """How many parameters of the functions in `code` are set to a constant (`a, b = 10, 20`, `n = -1`)
    by a statement of the function's own block before anything reads them: the function then ignores
    what its callers pass. 0 when `code` does not parse (no function to judge)."""
    import ast

    try:
        tree = ast.parse(code)
    except (SyntaxError, ValueError):
        return 0
    ignored = 0
    for function in ast.walk(tree):
        if not isinstance(function, (ast.FunctionDef, ast.AsyncFunctionDef)):
            continue
        arguments = function.args
        waiting = {a.arg for a in arguments.posonlyargs + arguments.args + arguments.kwonlyargs + [arguments.vararg, arguments.kwarg] if a}
        for statement in function.body:
            if isinstance(statement, ast.Assign) and _constant(statement.value):
                bound = {n.id for target in statement.targets for n in ast.walk(target) if isinstance(n, ast.Name)}
                ignored += len(bound & waiting)
                waiting -= bound
            waiting -= {n.id for n in ast.walk(statement) if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Load)}
            if not waiting:
                break
    return ignored


def _constant(node) -> bool:
    """A literal: a number, string, None, True/False, a signed number, or a tuple or list of them."""
    import ast

    if isinstance(node, (ast.Tuple, ast.List)):
        return all(map(_constant, node.elts))
    if isinstance(node, ast.UnaryOp):
        return _constant(node.operand)
    return isinstance(node, ast.Constant)
