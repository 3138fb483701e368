"""A small result table that renders as HTML in JupyterLab and as aligned text elsewhere."""

from __future__ import annotations

from dataclasses import dataclass
from html import escape

from course.errors import CourseError


class TableError(CourseError, ValueError):
    """A table built with rows that do not fit its headers, or asked for a column it lacks."""


@dataclass
class Table:
    """Rows under headers; ``_repr_html_`` for notebooks, ``repr`` for plain text."""

    headers: list[str]
    rows: list[list[object]]

    def __post_init__(self) -> None:
        """Refuse a row with more or fewer values than there are headers."""
        for number, row in enumerate(self.rows, start=1):
            if len(row) != len(self.headers):
                headers = ", ".join(map(repr, self.headers))
                raise TableError(f"Row {number} has {len(row)} value(s) for {len(self.headers)} header(s) "
                                 f"({headers}): give every row one value per header.")

    def column(self, name: str) -> list[object]:
        """Return the values of one column."""
        if name not in self.headers:
            raise TableError(f"The table has no column {name!r}; its columns are "
                             f"{', '.join(map(repr, self.headers))}.")
        i = self.headers.index(name)
        return [row[i] for row in self.rows]

    def __repr__(self) -> str:
        cells = [[str(h) for h in self.headers]] + [[str(v) for v in r] for r in self.rows]
        widths = [max(len(r[i]) for r in cells) for i in range(len(self.headers))]
        lines = ["  ".join(v.ljust(w) for v, w in zip(r, widths, strict=True)).rstrip() for r in cells]
        lines.insert(1, "  ".join("-" * w for w in widths))
        return "\n".join(lines)

    def _repr_html_(self) -> str:
        head = "".join(f"<th>{escape(str(h))}</th>" for h in self.headers)
        body = "".join(
            "<tr>" + "".join(f"<td>{escape(str(v))}</td>" for v in row) + "</tr>" for row in self.rows
        )
        return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"
