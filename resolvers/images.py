"""Photos among the evidence (Pillow): the location taken out of their EXIF data on request (the
families served must not be found from a photo of a home visit), and a small thumbnail for the web
app. Functions here block: run them in a thread.
"""

from __future__ import annotations

import io
import shutil
import tempfile
from typing import IO, Any

from PIL import ExifTags, Image, ImageOps, UnidentifiedImageError

# A photo from a phone has 12 to 50 megapixels; far more is a decompression bomb, not a photo.
MAX_PIXELS = 100_000_000
THUMBNAIL_SIZE = (320, 320)
THUMBNAIL_TYPE = "image/jpeg"


class NotAnImage(Exception):
    """The bytes begin like an image but cannot be read as one (or are absurdly large)."""


def _opened(file: IO[bytes]) -> Image.Image:
    file.seek(0)
    try:
        image = Image.open(file)
    except (UnidentifiedImageError, OSError, ValueError, Image.DecompressionBombError) as exc:
        raise NotAnImage(str(exc)) from None
    width, height = image.size
    if width * height > MAX_PIXELS:
        raise NotAnImage(f"{width}x{height} pixels is more than {MAX_PIXELS}")
    return image


def without_location(file: IO[bytes]) -> IO[bytes]:
    """The image with its EXIF GPS block removed, or the same file when it has none. A JPEG keeps
    its compressed image data as it is (only its metadata segments are rewritten, and XMP, which
    can repeat the location, is dropped); PNG and WebP are re-encoded by Pillow."""
    image = _opened(file)
    exif = image.getexif()
    if ExifTags.IFD.GPSInfo not in exif:
        file.seek(0)
        return file
    del exif[ExifTags.IFD.GPSInfo]
    out = tempfile.SpooledTemporaryFile(max_size=4 * 1024 * 1024)  # noqa: SIM115 - returned open, the caller closes it
    try:
        if image.format == "JPEG":
            _rewrite_jpeg_metadata(file, out, exif.tobytes())
        else:
            options: dict[str, Any] = {"exif": exif.tobytes()}
            if icc := image.info.get("icc_profile"):
                options["icc_profile"] = icc
            if image.format == "WEBP":
                options.update(lossless=bool(image.info.get("lossless")), quality=95)
            image.save(out, format=image.format, **options)
    except (OSError, ValueError, EOFError) as exc:
        out.close()
        raise NotAnImage(str(exc)) from None
    out.seek(0)
    return out


def _rewrite_jpeg_metadata(source: IO[bytes], out: IO[bytes], exif: bytes) -> None:
    """Copy a JPEG, its Exif segment replaced by `exif` and its XMP segments left out; everything
    from the start of scan on is copied byte for byte."""
    source.seek(0)
    if source.read(2) != b"\xff\xd8":
        raise ValueError("not a JPEG")
    out.write(b"\xff\xd8")
    while True:
        marker = source.read(2)
        if len(marker) < 2 or marker[0] != 0xFF:
            raise ValueError("malformed JPEG segment")
        if marker[1] == 0xDA:  # start of scan: the compressed image and the rest follow unchanged
            out.write(marker)
            shutil.copyfileobj(source, out, 1024 * 1024)
            return
        length_bytes = source.read(2)
        length = int.from_bytes(length_bytes, "big")
        if length < 2:
            raise ValueError("malformed JPEG segment length")
        body = source.read(length - 2)
        if marker[1] == 0xE1 and body.startswith(b"Exif\x00\x00"):
            if len(exif) + 2 > 0xFFFF:
                raise ValueError("EXIF data too large")
            out.write(marker + (len(exif) + 2).to_bytes(2, "big") + exif)
        elif marker[1] == 0xE1 and body.startswith(b"http://ns.adobe.com/xap/1.0/"):
            continue
        else:
            out.write(marker + length_bytes + body)


def thumbnail(file: IO[bytes]) -> bytes:
    """A JPEG at most 320 pixels on each side, turned upright, without any metadata."""
    try:
        image = _opened(file)
        # A JPEG decodes straight to about the size wanted (DCT scaling): far less work for a photo.
        image.draft("RGB", THUMBNAIL_SIZE)
        image = ImageOps.exif_transpose(image)
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
