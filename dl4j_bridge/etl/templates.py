"""Drain-style template miner: message text -> stable integer template id.

Mining runs in three steps, each simple enough to re-implement in Java:

1. **Masking.**  An ordered list of :class:`MaskingRule` (plain regex +
   replacement, in a dialect ``java.util.regex`` also accepts) turns variable
   parts -- URLs, IPs, hex, paths, anything containing a digit -- into the
   wildcard ``<*>``; before the rules, every ASCII digit ``1``-``9`` becomes
   ``0`` (``digits_to_zero``; the rules only test digit *classes*, so this
   only lets equal-shaped messages share work); runs of wildcards separated
   by blanks or commas then collapse to
   one, so variable-length lists look alike.  Rules never match a newline, so
   masking a whole chunk joined by ``"\\n"`` is the same as masking line by
   line (this is how the miner stays fast).
2. **Tokenising.**  The masked string is split on blanks; each token is
   further split after the punctuation characters in ``split_after``
   (``=``, ``:``, ``,`` by default) so ``key=value`` pairs compare key by key.
3. **Clustering** (fit only).  Each *distinct* masked string is mined once,
   in order of first appearance, with Drain's fixed-depth prefix tree and
   similarity threshold (tokens with digits, wildcards or dotted names are
   routed to the wildcard child of the tree).  Inside each cluster, a
   wildcard position whose values are plain words taking at most
   ``max_constant_values`` (3) distinct values is treated as constant and
   the cluster is split by those words ("VM Paused" vs "VM Resumed").
   Clusters whose final templates are equal after collapsing wildcards are
   merged.  Template ids are assigned 1, 2, ... in
   order of first appearance; id 0 (:data:`OOV_ID`) is the out-of-vocabulary
   id.

After fitting, the miner is frozen.  A masked string is mapped to an id by the
**matching rule** (:meth:`TemplateMiner.match_tokens`): among templates with
the same token count, the ones whose literal tokens all equal the string's
tokens match exactly and the most specific one (most literal tokens, then
lowest id) wins; otherwise the template with the highest Drain similarity
wins if it reaches ``similarity_threshold``; otherwise :data:`OOV_ID`.
Results are memoised per digit-zeroed message and per masked message, so
each distinct message shape is masked and matched once.
"""

from __future__ import annotations

import logging
import numbers
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from .errors import NotFittedError, SpecError

__all__ = [
    "MaskingRule",
    "DEFAULT_MASKING",
    "OPTIONAL_MASKING",
    "WILDCARD",
    "OOV_ID",
    "TemplateMiner",
]

logger = logging.getLogger(__name__)

WILDCARD = "<*>"
#: Template id of messages that match no template learnt at fit time.
OOV_ID = 0


@dataclass(frozen=True)
class MaskingRule:
    """One masking step: every match of ``pattern`` becomes ``replacement``.

    Parameters
    ----------
    pattern : str
        Regex in the common subset of Python ``re`` and ``java.util.regex``.
        It must not match a newline.
    replacement : str
        Literal replacement text (no group references).
    name : str
        Label for humans.
    """

    pattern: str
    replacement: str = WILDCARD
    name: str = ""

    def to_dict(self) -> dict[str, str]:
        return {"name": self.name, "pattern": self.pattern, "replacement": self.replacement}

    @classmethod
    def from_dict(cls, spec: Mapping[str, str]) -> "MaskingRule":
        return cls(spec["pattern"], spec.get("replacement", WILDCARD), spec.get("name", ""))


#: Optional rules for messages where one placeholder per address reads better than the generic
#: digit rule's split (``10.0.0.1:80`` -> ``<*>`` instead of ``<*>:<*>``). Not in the default set:
#: on the 14 loghub benchmark systems they change nothing or cost accuracy (see python/bench/parsing.py).
OPTIONAL_MASKING: dict[str, MaskingRule] = {
    "host:port": MaskingRule(r"(?<![A-Za-z0-9_.\-])[A-Za-z0-9_\-]+(?:\.[A-Za-z0-9_\-]+)+:\d{1,5}(?![0-9])",
                             WILDCARD, "host:port"),
    "ipv4": MaskingRule(r"(?<![A-Za-z0-9.])\d{1,3}(?:\.\d{1,3}){3}(?::\d{1,5})?(?![0-9])", WILDCARD, "ipv4"),
    "hex": MaskingRule(r"(?<![A-Za-z0-9_])0[xX][0-9a-fA-F]+(?![A-Za-z0-9_])", WILDCARD, "hex"),
}

#: The default url rule of models saved before 2026-12-02: tried at every letter, quadratic on a long token
#: without "://" (a 1 MB base64 blob: most of an hour). Kept by such models (their templates were mined with
#: it); loading one warns (the JVM's ``LogAnomalyScorer.loadWarnings`` says the same).
OLD_URL_PATTERN = r"[A-Za-z][A-Za-z0-9+.\-]*://[^ \t\r\n\"'<>]+"
OLD_URL_WARNING = ("this model's template masking keeps the url rule of models saved before 2026-12-02, which "
                   "takes quadratic time on a long token without '://' (a 1 MB base64 blob: most of an hour; "
                   "in serve, every client waits): retrain it to get the linear-time rule")

#: Generic masking rules, one configuration for every system: a token with a digit is a variable
#: (numbers, ids, IPs, hex, sizes), and so are URLs, MAC addresses (before the tokenizer splits them
#: at their colons), paths and dates; runs of variables collapse.
DEFAULT_MASKING: tuple[MaskingRule, ...] = (
    # starts only where a run of scheme characters starts (the lookbehind): tried at every letter, a long run
    # of them without "://" (a base64 blob) cost quadratic time; the run's leading digits, '+', '.', '-' go
    # into the match
    MaskingRule(r"(?<![A-Za-z0-9+.\-])[0-9+.\-]*[A-Za-z][A-Za-z0-9+.\-]*://[^ \t\r\n\"'<>]+", WILDCARD, "url"),
    MaskingRule(r"(?<![A-Za-z0-9_:])[0-9A-Fa-f]{2}(?::[0-9A-Fa-f]{2}){5}(?![A-Za-z0-9_:])", WILDCARD, "mac"),
    MaskingRule(r"(?<![A-Za-z0-9_.\-/])(?:/[A-Za-z0-9_.\-~%+]+){2,}/?(?:\?[^ \t\r\n\"']*)?",
                WILDCARD, "path"),
    MaskingRule(r"(?<![A-Za-z0-9_])(?=[A-Z][a-z][a-z] +\d)"
                r"(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun|Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)",
                WILDCARD, "date words"),
    MaskingRule(r"(?<![A-Za-z0-9_.])\d+(?:\.\d+)? ?(?:[KMGT]i?B|B|ms|sec|s)(?![A-Za-z0-9_])",
                WILDCARD, "quantity"),
    MaskingRule(r"(?<![A-Za-z0-9_.\-+])[A-Za-z_.\-+]*\d[A-Za-z0-9_.\-+]*", WILDCARD, "with digit"),
    MaskingRule(r"<\*>(?:[ \t]*(?:,[ \t]*)?<\*>)+", WILDCARD, "collapse"),   # one way to split the blanks: linear
)

_DEFAULT_SPLIT_AFTER = "=:,"


class _Cluster:
    __slots__ = ("tokens", "first_seen", "template_id")

    def __init__(self, tokens: list[str], first_seen: int):
        self.tokens = tokens
        self.first_seen = first_seen
        self.template_id = OOV_ID


class TemplateMiner:
    """Mine log templates and map messages to integer template ids.

    Parameters
    ----------
    masking : sequence of MaskingRule
        Ordered masking rules (default :data:`DEFAULT_MASKING`).
    similarity_threshold : float
        Drain's ``st``: minimum share of equal tokens to join a cluster.
    depth : int
        Drain tree depth (length layer + ``depth - 2`` token layers).
    max_children : int
        Drain's maximum children per tree node.
    split_after : str
        Punctuation characters after which tokens are split.
    max_constant_values : int
        A wildcard position whose values are plain words taking at most this many distinct values is kept as
        constant words and splits the template (``VM Paused`` / ``VM Resumed``); 0 or 1 never splits. Raise it
        when state words that matter (``FAILED``, ``Stopped``) are merged into one template with normal ones.
    digits_to_zero : bool
        Zero the digits of a message before looking it up in the memo of messages already matched.
    memo_size, memo_chars : int
        Bounds of the memos :meth:`transform` keeps (message -> id, masked message -> id): at most ``memo_size``
        entries each and ``memo_chars`` characters of messages in both together; past them messages are matched
        without being kept. The memos are a cache (the ids do not depend on them) and bound the memory a stream
        of endless distinct messages holds: ``score --input -`` on generated syslog had kept 150,000 messages
        (about 25 MiB) by 4.5 million lines and went on, and a memo bounded only by a count of 1,000,000 entries
        could hold gigabytes of long (multi-line) messages.

    Attributes
    ----------
    templates : list of str
        ``templates[i - 1]`` is the template text of id ``i``.
    """

    def __init__(self, masking: Sequence[MaskingRule] = DEFAULT_MASKING, *,
                 similarity_threshold: float = 0.5, depth: int = 4, max_children: int = 100,
                 split_after: str = _DEFAULT_SPLIT_AFTER, max_constant_values: int = 3,
                 digits_to_zero: bool = True, memo_size: int = 250_000, memo_chars: int = 32_000_000,
                 _check: bool = True):
        if _check:   # a saved miner (from_dict) is loaded as it was saved, checked or not
            self._check_settings(similarity_threshold, depth, max_children, max_constant_values)
        self.masking = tuple(masking)
        self.similarity_threshold = float(similarity_threshold)
        self.depth = int(depth)
        self.max_children = int(max_children)
        self.split_after = split_after
        self.max_constant_values = int(max_constant_values)
        self.digits_to_zero = bool(digits_to_zero)
        self.memo_size = int(memo_size)
        self.memo_chars = int(memo_chars)
        self._compiled = [(re.compile(rule.pattern), rule.replacement) for rule in self.masking]
        self._split_regex = (re.compile("(?<=[" + re.escape(split_after) + "])(?=[^ \t])")
                             if split_after else None)
        self._reset()

    @staticmethod
    def _check_settings(similarity_threshold, depth, max_children, max_constant_values) -> None:
        # depth 2: no token layer (every message of a length in one node), as it worked before these checks
        for name, value, low in (("depth", depth, 2), ("max_children", max_children, 1),
                                 ("max_constant_values", max_constant_values, 0)):
            if isinstance(value, bool) or not isinstance(value, numbers.Integral) or value < low:
                raise ValueError(f"{name} must be an integer >= {low}, got {value!r}")
        if isinstance(similarity_threshold, bool) or not isinstance(similarity_threshold, numbers.Real) \
                or not 0.0 <= similarity_threshold <= 1.0:
            raise ValueError(f"similarity_threshold must be a number from 0 to 1 (the share of equal tokens that "
                             f"joins a message to a template), got {similarity_threshold!r}")

    # ------------------------------------------------------------------
    # state
    # ------------------------------------------------------------------
    def _reset(self) -> None:
        self._root: dict[Any, Any] = {}
        self._clusters: list[_Cluster] = []
        self._cluster_of: dict[str, int] = {}      # masked string -> Drain cluster (fit time)
        self._fit_ids: dict[str, int] = {}
        self._seen = 0
        self.templates: list[str] = []
        self._template_tokens: list[list[str]] = []
        self._by_length: dict[int, list[int]] = {}
        self._memo: dict[str, int] = {}         # digit-zeroed message -> id
        self._masked_memo: dict[str, int] = {}  # masked message -> id
        self._memo_chars_used = 0               # characters of the keys of both memos (bounded by memo_chars)
        self.fitted = False

    @property
    def n_templates(self) -> int:
        """Number of learnt templates (ids ``1..n_templates``)."""
        return len(self.templates)

    @property
    def vocabulary_size(self) -> int:
        """Number of ids including the OOV id: ``n_templates + 1``."""
        return len(self.templates) + 1

    # ------------------------------------------------------------------
    # masking and tokens
    # ------------------------------------------------------------------
    def mask(self, message: str) -> str:
        """Mask one message (see module docstring)."""
        if self.digits_to_zero:
            message = message.translate(_ZERO_DIGITS)
        for regex, replacement in self._compiled:
            message = regex.sub(replacement, message)
        return message.strip()

    def mask_many(self, messages: Sequence[str]) -> list[str]:
        """Mask many messages; identical to ``[self.mask(m) for m in messages]``.

        Parameters
        ----------
        messages : sequence of str, length n

        Returns
        -------
        list of str, length n
        """
        codes, masked_uniques = self.mask_unique(messages)
        return [masked_uniques[c] for c in codes]

    def normalise_unique(self, messages: Sequence[str]) -> tuple[np.ndarray, list[str]]:
        """Zero the digits of every message and factorize.

        One C-level ``str.translate`` over the whole chunk makes most messages
        that differ only in numbers equal.

        Returns
        -------
        codes : numpy.ndarray of intp, shape (n,)
            Index into ``uniques`` per message.
        uniques : list of str
            Distinct normalised messages (embedded newlines kept).
        """
        if not len(messages):
            return np.zeros(0, dtype=np.intp), []
        messages = [m if isinstance(m, str) else "" for m in messages]
        text = "\x1e".join(messages)
        if self.digits_to_zero:
            text = text.translate(_ZERO_DIGITS)
        parts = text.split("\x1e")
        if len(parts) != len(messages):   # a message holds U+001E itself (valid log text): one at a time
            parts = [m.translate(_ZERO_DIGITS) for m in messages] if self.digits_to_zero else list(messages)
        codes, uniques = pd.factorize(pd.Series(parts, dtype=object))
        return codes, list(uniques)

    def _mask_normalised(self, normalised: list[str]) -> list[str]:
        """Apply the regex rules to already digit-zeroed strings, all in one go."""
        if not normalised:
            return []
        joined = "\n".join(normalised)
        if "\x1f" in joined or any("\n" in m for m in normalised):
            joined = "\n".join(m.replace("\n", "\x1f") for m in normalised)
        for regex, replacement in self._compiled:
            joined = regex.sub(replacement, joined)
        out = joined.split("\n")
        if len(out) != len(normalised):
            raise SpecError("a masking rule matched across a newline; rules must not match '\\n'")
        return [m.replace("\x1f", "\n").strip() for m in out]

    def mask_unique(self, messages: Sequence[str]) -> tuple[np.ndarray, list[str]]:
        """Mask each distinct (digit-zeroed) message once.

        Returns
        -------
        codes : numpy.ndarray of intp, shape (n,)
            Index into ``masked_uniques`` per message.
        masked_uniques : list of str
        """
        codes, uniques = self.normalise_unique(messages)
        return codes, self._mask_normalised(uniques)

    def tokens(self, masked: str) -> list[str]:
        """Split a masked message into tokens."""
        if self._split_regex is not None:
            masked = self._split_regex.sub(" ", masked)
        return masked.split()

    # ------------------------------------------------------------------
    # fitting
    # ------------------------------------------------------------------
    def partial_fit(self, messages: Sequence[str]) -> "TemplateMiner":
        """Mine a chunk of messages (call :meth:`finish` after the last chunk).

        Parameters
        ----------
        messages : sequence of str, length n
        """
        if self.fitted:
            raise SpecError("miner is frozen; create a new TemplateMiner to refit")
        _, masked_uniques = self.mask_unique(messages)
        for masked in masked_uniques:
            if masked not in self._cluster_of:
                self._cluster_of[masked] = self._add(self.tokens(masked))
        return self

    def finish(self) -> "TemplateMiner":
        """Split, merge, assign stable ids and freeze the miner.

        1. *Split*: inside each Drain cluster, a wildcard position whose values
           are all plain words (no masked part) and take at most
           ``max_constant_values`` distinct values is treated as constant, and
           the cluster is split by those values.
        2. *Merge*: clusters whose templates are equal once runs of wildcards
           are collapsed share one template id.
        3. Ids ``1..n`` follow the order of first appearance.
        """
        members: dict[int, list[tuple[int, list[str]]]] = {}
        for order, (masked, index) in enumerate(self._cluster_of.items()):
            members.setdefault(index, []).append((order, self.tokens(masked)))
        final: list[_Cluster] = []
        member_cluster: dict[int, _Cluster] = {}
        for index, cluster in enumerate(self._clusters):
            rows = members.get(index, [])
            for sub_rows in self._split(cluster.tokens, rows):
                tokens = list(sub_rows[0][1])
                for _, other in sub_rows[1:]:
                    tokens = [a if a == b else WILDCARD for a, b in zip(tokens, other)]
                sub = _Cluster(tokens, min(order for order, _ in sub_rows))
                final.append(sub)
                for order, _ in sub_rows:
                    member_cluster[order] = sub
        groups: dict[str, list[_Cluster]] = {}
        for cluster in final:
            groups.setdefault(_collapse(cluster.tokens), []).append(cluster)
        ordered = sorted(groups.items(), key=lambda item: min(c.first_seen for c in item[1]))
        self.templates = []
        for new_id, (key, group) in enumerate(ordered, start=1):
            self.templates.append(key)
            for cluster in group:
                cluster.template_id = new_id
        self._clusters = sorted(final, key=lambda c: c.first_seen)
        self._fit_ids = {masked: member_cluster[order].template_id
                         for order, masked in enumerate(self._cluster_of)}
        self._build_index()
        # transform() always applies the matching rule (memoised), so a
        # freshly fitted miner and a reloaded one give identical ids.
        self._memo = {}
        self._masked_memo = {}
        self._memo_chars_used = 0
        self.fitted = True
        logger.info("template miner: %d distinct masked messages, %d clusters, %d templates",
                    len(self._cluster_of), len(self._clusters), len(self.templates))
        return self

    def _split(self, template: list[str], rows: list[tuple[int, list[str]]]
               ) -> list[list[tuple[int, list[str]]]]:
        if len(rows) < 2 or self.max_constant_values <= 1:
            return [rows] if rows else []
        positions = []
        for position, token in enumerate(template):
            if token != WILDCARD:
                continue
            values = {tokens[position] for _, tokens in rows}
            if len(values) <= self.max_constant_values and not any(WILDCARD in v for v in values):
                positions.append(position)
        if not positions:
            return [rows]
        parts: dict[tuple[str, ...], list[tuple[int, list[str]]]] = {}
        for row in rows:
            parts.setdefault(tuple(row[1][p] for p in positions), []).append(row)
        return list(parts.values())

    def fit(self, messages: Iterable[str]) -> "TemplateMiner":
        """Mine all messages and freeze (``partial_fit`` + ``finish``)."""
        self._reset()
        self.partial_fit(list(messages))
        return self.finish()

    def fit_predict(self, messages: Sequence[str]) -> np.ndarray:
        """Mine and return each message's fit-time template id.

        Returns
        -------
        numpy.ndarray of int32, shape (n,)
        """
        messages = list(messages)
        self.fit(messages)
        masked = self.mask_many(messages)
        ids = np.fromiter((self._fit_ids[m] for m in masked),
                          dtype=np.int32, count=len(masked))
        return ids

    def _add(self, tokens: list[str]) -> int:
        """Drain insert; returns the cluster index."""
        self._seen += 1
        length = len(tokens)
        leaf = self._root.get(length)
        candidates: list[int] | None = None
        if leaf is not None:
            node = leaf
            for token in tokens[: self.depth - 2]:
                if token in node:
                    node = node[token]
                elif WILDCARD in node:
                    node = node[WILDCARD]
                else:
                    node = None
                    break
            if node is not None:
                candidates = node.get(_LEAF)
        best = self._best(candidates or [], tokens) if candidates else None
        if best is not None:
            cluster = self._clusters[best]
            if cluster.tokens != tokens:
                cluster.tokens = [a if a == b else WILDCARD for a, b in zip(cluster.tokens, tokens)]
            return best
        index = len(self._clusters)
        self._clusters.append(_Cluster(list(tokens), self._seen))
        self._insert(index, tokens)
        return index

    def _best(self, candidates: list[int], tokens: list[str]) -> int | None:
        best, best_sim, best_params = None, -1.0, -1
        for index in candidates:
            template = self._clusters[index].tokens
            same = params = 0
            for a, b in zip(template, tokens):
                if a == WILDCARD:
                    params += 1
                elif a == b:
                    same += 1
            sim = same / len(tokens) if tokens else 1.0
            if sim > best_sim or (sim == best_sim and params > best_params):
                best, best_sim, best_params = index, sim, params
        if best is not None and best_sim >= self.similarity_threshold:
            return best
        return None

    def _insert(self, index: int, tokens: list[str]) -> None:
        node = self._root.setdefault(len(tokens), {})
        for token in tokens[: self.depth - 2]:
            if token in node:
                node = node[token]
                continue
            if _has_variable(token):
                node = node.setdefault(WILDCARD, {})
                continue
            children = len(node) - (1 if _LEAF in node else 0)
            if WILDCARD in node:
                if children < self.max_children:
                    node = node.setdefault(token, {})
                else:
                    node = node[WILDCARD]
            else:
                if children + 1 < self.max_children:
                    node = node.setdefault(token, {})
                elif children + 1 == self.max_children:
                    node = node.setdefault(WILDCARD, {})
                else:
                    node = node[WILDCARD]
        node.setdefault(_LEAF, []).append(index)

    # ------------------------------------------------------------------
    # matching (frozen)
    # ------------------------------------------------------------------
    def _build_index(self) -> None:
        self._by_length = {}
        self._match_tokens = []
        self._match_ids = []
        for position, cluster in enumerate(sorted(self._clusters, key=lambda c: (c.template_id, c.first_seen))):
            self._match_tokens.append(cluster.tokens)
            self._match_ids.append(cluster.template_id)
            self._by_length.setdefault(len(cluster.tokens), []).append(position)

    def match_tokens(self, tokens: Sequence[str]) -> int:
        """Template id of a tokenised masked message (the matching rule)."""
        candidates = self._by_length.get(len(tokens), ())
        exact_id, exact_literals = OOV_ID, -1
        near_id, near_sim = OOV_ID, -1.0
        for position in candidates:
            template = self._match_tokens[position]
            literals = same = 0
            for a, b in zip(template, tokens):
                if a != WILDCARD:
                    literals += 1
                    if a == b:
                        same += 1
            template_id = self._match_ids[position]
            if same == literals:
                if literals > exact_literals:
                    exact_id, exact_literals = template_id, literals
            elif exact_literals < 0:
                sim = same / len(tokens) if tokens else 1.0
                if sim > near_sim:
                    near_id, near_sim = template_id, sim
        if exact_literals >= 0:
            return exact_id
        if near_sim >= self.similarity_threshold:
            return near_id
        return OOV_ID

    def transform(self, messages: Sequence[str]) -> np.ndarray:
        """Template ids of messages.

        Parameters
        ----------
        messages : sequence of str, length n

        Returns
        -------
        numpy.ndarray of int32, shape (n,)
            Ids in ``1..n_templates``, or :data:`OOV_ID` for unseen templates.
        """
        if not self.fitted:
            raise NotFittedError("TemplateMiner.transform called before fit")
        codes, uniques = self.normalise_unique(messages)
        memo = self._memo
        lookup = np.empty(len(uniques), dtype=np.int32)
        missing = [i for i, text in enumerate(uniques) if text not in memo]
        if missing:
            masked = self._mask_normalised([uniques[i] for i in missing])
            by_masked = self._masked_memo
            for position, text in zip(missing, masked):
                template_id = by_masked.get(text)
                if template_id is None:
                    template_id = self.match_tokens(self.tokens(text))
                    if len(by_masked) < self.memo_size and self._memo_chars_used + len(text) <= self.memo_chars:
                        by_masked[text] = template_id
                        self._memo_chars_used += len(text)
                message = uniques[position]
                if len(memo) < self.memo_size and self._memo_chars_used + len(message) <= self.memo_chars:
                    memo[message] = template_id
                    self._memo_chars_used += len(message)
                lookup[position] = template_id
        for position, text in enumerate(uniques):
            template_id = memo.get(text)
            if template_id is not None:
                lookup[position] = template_id
        return lookup[codes] if len(codes) else np.zeros(0, dtype=np.int32)

    def template_of(self, template_id: int) -> str:
        """Template text of an id (``"<OOV>"`` for :data:`OOV_ID`); an ``IndexError`` for an id outside the
        vocabulary (a negative one included: it used to name a template from the end of the list)."""
        if template_id == OOV_ID:
            return "<OOV>"
        if not 1 <= template_id <= len(self.templates):
            raise IndexError(f"template id {template_id} is outside the vocabulary (0 to {len(self.templates)})")
        return self.templates[template_id - 1]

    # ------------------------------------------------------------------
    # persistence
    # ------------------------------------------------------------------
    def to_dict(self) -> dict[str, Any]:
        """Language-neutral description: rules, parameters, templates."""
        if not self.fitted:
            raise NotFittedError("fit the miner before saving it")
        return {
            "masking": [rule.to_dict() for rule in self.masking],
            "similarity_threshold": self.similarity_threshold,
            "depth": self.depth,
            "max_children": self.max_children,
            "split_after": self.split_after,
            "max_constant_values": self.max_constant_values,
            "digits_to_zero": self.digits_to_zero,
            "wildcard": WILDCARD,
            "oov_id": OOV_ID,
            "templates": list(self.templates),
            "match_templates": [{"id": int(i), "tokens": list(t)}
                                for i, t in zip(self._match_ids, self._match_tokens)],
        }

    @classmethod
    def from_dict(cls, spec: Mapping[str, Any]) -> "TemplateMiner":
        """Rebuild a frozen miner saved by :meth:`to_dict`."""
        if any(r.get("pattern") == OLD_URL_PATTERN for r in spec["masking"]):
            logger.warning("%s", OLD_URL_WARNING)
        miner = cls([MaskingRule.from_dict(r) for r in spec["masking"]],
                    similarity_threshold=spec["similarity_threshold"], depth=spec["depth"],
                    max_children=spec["max_children"], split_after=spec["split_after"],
                    max_constant_values=spec.get("max_constant_values", 3),
                    digits_to_zero=spec.get("digits_to_zero", True), _check=False)
        miner.templates = list(spec["templates"])
        miner._match_tokens = [list(entry["tokens"]) for entry in spec["match_templates"]]
        miner._match_ids = [int(entry["id"]) for entry in spec["match_templates"]]
        miner._by_length = {}
        for position, tokens in enumerate(miner._match_tokens):
            miner._by_length.setdefault(len(tokens), []).append(position)
        miner._memo = {}
        miner._masked_memo = {}
        miner._memo_chars_used = 0
        miner.fitted = True
        return miner


_LEAF = object()
#: ``str.translate`` table replacing the ASCII digits 1-9 by 0.
_ZERO_DIGITS = str.maketrans("123456789", "000000000")


_DOTTED_NAME = re.compile(r"[A-Za-z_][\w\-]*(?:\.[A-Za-z_][\w\-]*){2,}[:,;]?$")


def _has_variable(token: str) -> bool:
    """Tree routing: masked parts, digits and dotted names go to the wildcard child."""
    return WILDCARD in token or any(ch.isdigit() for ch in token) or bool(_DOTTED_NAME.match(token))


def _collapse(tokens: Sequence[str]) -> str:
    """Template text with runs of wildcard tokens collapsed to one."""
    out: list[str] = []
    for token in tokens:
        if token == WILDCARD and out and out[-1] == WILDCARD:
            continue
        out.append(token)
    return " ".join(out)
