"""The size budget of a batch's answer (`batch_max_response_bytes`): charged as the batch is
evaluated, so a pathological batch is refused (413) before its answer is built or stored."""

from __future__ import annotations

from app.errors import AppError, PayloadTooLarge

# The response budget: a problem is charged this flat size (they are a few hundred bytes), an
# item its key and punctuation, the batch its envelope (batch id, summary); a decision is
# presented without its id (`null`), each item's own id is 34 bytes longer.
PROBLEM_BYTES = 1024
KEY_BYTES = 8
ENVELOPE_BYTES = 1024
UUID_BYTES = 34


class ResponseBudget:
    """The bytes a batch's answer may take (`batch_max_response_bytes`). A decision is charged
    its exact JSON size, a problem a flat `PROBLEM_BYTES`, each item its key."""

    def __init__(self, limit: int | None) -> None:
        self.limit = limit  # None: unbounded (single checks, eligibility)
        self.spent = ENVELOPE_BYTES
        self.last: tuple[str, int, int] | None = None  # key, size, findings charged last

    def charge(self, size: int) -> None:
        self.spent += size
        if self.limit is not None and self.spent > self.limit:
            raise PayloadTooLarge(self._why(), errors=[("body.items", self._advice())])

    def problem(self, problem: AppError) -> AppError:
        self.charge(PROBLEM_BYTES)
        return problem

    def charge_decision(self, key: str, size: int, findings: int, askers: int) -> None:
        """A decision of `size` bytes answered to `askers` items (first asked by `key`)."""
        self.last = (key, size, findings)
        self.charge(size * askers)

    def _why(self) -> str:
        assert self.limit is not None
        why = (
            f"The answer to this batch would pass {self.limit:,} bytes, the most a batch may "
            "return (batch_max_response_bytes)"
        )
        if self.last is not None:
            key, size, findings = self.last
            why += (
                f"; the decision of item {key!r} alone, with "
                f"{findings} findings, takes {size:,} bytes"
            )
        return f"{why}: {self._advice()}. 批量核查结果过大，请拆分为更小的批次后分别提交。"

    def _advice(self) -> str:
        if self.last is None:
            return "split the batch into smaller ones"
        per_batch = (self.limit or 0) // self.last[1]
        if per_batch < 1:
            return "ask for that decision alone with POST /v1/vetting/checks"
        return f"split the batch (about {per_batch:,} items like that one fit in a batch)"
