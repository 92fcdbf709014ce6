"""Photos among the evidence (Pillow): the location taken out of their EXIF data on request (the
families served must not be found from a photo of a home visit), and a small thumbnail for the web
app. Functions here block: run them in a thread.
"""

from __future__ import annotations

import io
import tempfile
from typing import BinaryIO

from PIL import ExifTags, Image, ImageOps, UnidentifiedImageError

# A photo from a phone has 12 to 50 megapixels; far more is a decompression bomb, not a photo.
MAX_PIXELS = 100_000_000
THUMBNAIL_SIZE = (320, 320)
THUMBNAIL_TYPE = "image/jpeg"


class NotAnImage(Exception):
    """The bytes begin like an image but cannot be read as one (or are absurdly large)."""


def _opened(file: BinaryIO) -> Image.Image:
    file.seek(0)
    try:
        image = Image.open(file)
    except (UnidentifiedImageError, OSError, ValueError, Image.DecompressionBombError) as exc:
        raise NotAnImage(str(exc)) from None
    width, height = image.size
    if width * height > MAX_PIXELS:
        raise NotAnImage(f"{width}x{height} pixels is more than {MAX_PIXELS}")
    return image


def without_location(file: BinaryIO) -> BinaryIO:
    """The image with its EXIF GPS block removed, or the same file when it has none. JPEG is
    re-encoded with its own quantization tables (quality "keep"), which keeps it as it looked."""
    image = _opened(file)
    exif = image.getexif()
    if ExifTags.IFD.GPSInfo not in exif:
        file.seek(0)
        return file
    del exif[ExifTags.IFD.GPSInfo]
    options: dict = {"exif": exif.tobytes()}
    if icc := image.info.get("icc_profile"):
        options["icc_profile"] = icc
    if image.format == "JPEG":
        options["quality"] = "keep"
    elif image.format == "WEBP":
        options["lossless"] = bool(image.info.get("lossless"))
        options["quality"] = 95
    out = tempfile.SpooledTemporaryFile(max_size=4 * 1024 * 1024)
    try:
        image.save(out, format=image.format, **options)
    except (OSError, ValueError) as exc:
        out.close()
        raise NotAnImage(str(exc)) from None
    out.seek(0)
    return out


def thumbnail(file: BinaryIO) -> bytes:
    """A JPEG at most 320 pixels on each side, turned upright, without any metadata."""
    try:
        image = ImageOps.exif_transpose(_opened(file))
        image.thumbnail(THUMBNAIL_SIZE)
        if image.mode not in ("RGB", "L"):
            image = image.convert("RGBA")
            background = Image.new("RGB", image.size, "white")
            background.paste(image, mask=image.getchannel("A"))
            image = background
        out = io.BytesIO()
        image.save(out, format="JPEG", quality=80)
    except (OSError, ValueError, Image.DecompressionBombError) as exc:
        raise NotAnImage(str(exc)) from None
    finally:
        file.seek(0)
    return out.getvalue()
