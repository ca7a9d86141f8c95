"""Deterministic placeholder product pictures for the demo data, drawn with Pillow alone."""
from __future__ import annotations

import io
import random
import unicodedata

from PIL import Image, ImageDraw, ImageFont

# earthy Moroccan palettes: (background top, background bottom, object, accent)
PALETTES = [
    ((236, 214, 178), (196, 132, 84), (150, 72, 40), (244, 196, 48)),     # argan and saffron
    ((242, 226, 196), (172, 104, 64), (96, 56, 32), (204, 64, 48)),       # terracotta
    ((222, 232, 206), (126, 150, 96), (72, 92, 48), (232, 188, 80)),      # olive grove
    ((238, 220, 200), (160, 72, 64), (56, 64, 112), (236, 200, 120)),     # rug red and indigo
    ((246, 236, 210), (210, 168, 96), (184, 120, 32), (112, 64, 24)),     # honey
]
SHAPES = ("jar", "bottle", "rug")


def draw_product_image(title: str, *, seed: int, size: tuple[int, int] = (1200, 900)) -> bytes:
    """A JPEG of a jar, bottle or rug on a gradient with the title; the same seed gives the same bytes."""
    rng = random.Random(seed)
    top, bottom, body, accent = rng.choice(PALETTES)
    image = _gradient(size, top, bottom)
    draw = ImageDraw.Draw(image)
    width, height = size
    for _ in range(rng.randint(6, 12)):  # soft background dots
        x, y, r = rng.randrange(width), rng.randrange(height), rng.randint(height // 40, height // 12)
        draw.ellipse((x - r, y - r, x + r, y + r), fill=_mix(top, bottom, 0.3))
    {"jar": _jar, "bottle": _bottle, "rug": _rug}[rng.choice(SHAPES)](draw, size, body, accent, rng)
    _caption(draw, title, size)
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", quality=85)
    return buffer.getvalue()


def _gradient(size: tuple[int, int], top: tuple, bottom: tuple) -> Image.Image:
    column = Image.new("RGB", (1, 256))
    column.putdata([_mix(top, bottom, y / 255) for y in range(256)])
    return column.resize(size, Image.Resampling.BILINEAR)


def _mix(a: tuple, b: tuple, t: float) -> tuple[int, int, int]:
    return tuple(round(x + (y - x) * t) for x, y in zip(a, b))


def _jar(draw: ImageDraw.ImageDraw, size, body, accent, rng) -> None:
    w, h = size
    cx, base, half = w // 2, int(h * 0.78), int(w * rng.uniform(0.12, 0.17))
    top = base - int(h * rng.uniform(0.38, 0.48))
    draw.rounded_rectangle((cx - half, top, cx + half, base), radius=half // 2, fill=body)
    draw.rectangle((cx - half * 3 // 4, top - h // 18, cx + half * 3 // 4, top + h // 60), fill=accent)
    draw.rectangle((cx - half, top + (base - top) // 3, cx + half, top + (base - top) * 2 // 3),
                   fill=_mix(body, (255, 255, 255), 0.6))


def _bottle(draw: ImageDraw.ImageDraw, size, body, accent, rng) -> None:
    w, h = size
    cx, base, half = w // 2, int(h * 0.8), int(w * rng.uniform(0.08, 0.11))
    shoulder = base - int(h * 0.35)
    draw.rounded_rectangle((cx - half, shoulder, cx + half, base), radius=half // 3, fill=body)
    draw.polygon([(cx - half, shoulder + 2), (cx - half // 3, shoulder - h // 8),
                  (cx + half // 3, shoulder - h // 8), (cx + half, shoulder + 2)], fill=body)
    draw.rectangle((cx - half // 3, shoulder - h // 5, cx + half // 3, shoulder - h // 8), fill=body)
    draw.rectangle((cx - half // 3, shoulder - h // 4, cx + half // 3, shoulder - h // 5), fill=accent)
    draw.rectangle((cx - half, shoulder + h // 12, cx + half, shoulder + h // 5), fill=accent)


def _rug(draw: ImageDraw.ImageDraw, size, body, accent, rng) -> None:
    w, h = size
    left, top, right, bottom = int(w * 0.2), int(h * 0.12), int(w * 0.8), int(h * 0.74)
    draw.rectangle((left, top, right, bottom), fill=body)
    step = (bottom - top) // rng.randint(4, 6)
    for y in range(top + step // 2, bottom - step // 4, step):  # rows of Berber-style diamonds
        for x in range(left + step // 2, right, step):
            r = step // 3
            draw.polygon([(x, y - r), (x + r, y), (x, y + r), (x - r, y)], outline=accent, width=max(2, r // 6))
    for x in range(left, right + 1, max(4, w // 120)):  # fringe
        draw.line((x, bottom, x, bottom + h // 30), fill=accent, width=2)


def _caption(draw: ImageDraw.ImageDraw, title: str, size: tuple[int, int]) -> None:
    w, h = size
    # Pillow's bundled font has no accented or Arabic glyphs: show "Miel de thym epice", or no caption at all
    title = unicodedata.normalize("NFKD", title).encode("ascii", "ignore").decode().strip()
    if not title:
        return
    font = ImageFont.load_default(size=max(12, h // 16))
    text, kept = title, len(title)
    while kept > 1 and draw.textlength(text, font=font) > w * 0.9:
        kept = kept * 4 // 5
        text = title[:kept].rstrip() + "..."
    draw.text((w // 2, int(h * 0.9)), text, font=font, anchor="mm", fill=(40, 28, 20))
