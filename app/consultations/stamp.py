"""An issuing unit's seal image (印章), as the letter template takes it."""

from __future__ import annotations

import base64
from dataclasses import dataclass


@dataclass(frozen=True)
class Stamp:
    """The issuing unit's seal image (印章): PNG, JPEG or SVG bytes."""

    content: bytes
    media_type: str  # image/png, image/jpeg, image/svg+xml

    def svg(self) -> str:
        """As SVG text for the template: SVG as it is, a raster image inside a square SVG."""
        if self.media_type == "image/svg+xml":
            return self.content.decode("utf-8")
        data = base64.b64encode(self.content).decode("ascii")
        return (
            '<svg xmlns="http://www.w3.org/2000/svg" '
            'xmlns:xlink="http://www.w3.org/1999/xlink" viewBox="0 0 100 100" '
            'width="100" height="100"><image width="100" height="100" '
            'preserveAspectRatio="xMidYMid meet" '
            f'xlink:href="data:{self.media_type};base64,{data}"/></svg>'
        )
