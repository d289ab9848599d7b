"""Real evidence files built in the tests: photos with location metadata, bombs, audio."""

from __future__ import annotations

import io
import struct
import wave
import zlib

from PIL import Image

GPS_LATITUDE = (52.0, 48.0, 51.5)  # near Kuźnica
MAKER_NOTE = b"MAKERNOTE serial 4711-CAMERA-OWNER"
XMP = (
    b'<?xpacket begin="" id="W5M0MpCehiHzreSzNTczkc9d"?>'
    b'<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF '
    b'xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">'
    b'<rdf:Description xmlns:exif="http://ns.adobe.com/exif/1.0/" '
    b'exif:GPSLatitude="52,48.86N" exif:GPSLongitude="23,39.11E"/>'
    b'</rdf:RDF></x:xmpmeta><?xpacket end="w"?>'
)


def _picture(width: int, height: int, mode: str = "RGB") -> Image.Image:
    """A gradient, so the JPEG is not trivially small or uniform."""
    img = Image.new(mode, (width, height))
    px = img.load()
    for x in range(width):
        for y in range(height):
            r, g, b = (x * 255) // width, (y * 255) // height, ((x + y) * 7) % 256
            px[x, y] = (r, g, b) if mode == "RGB" else (r, g, b, 128 + (x % 128))
    return img


def jpeg_with_metadata(width: int = 96, height: int = 64, orientation: int = 6) -> bytes:
    """A phone photo: GPS position, camera make/model/serial, maker note, XMP, rotated."""
    exif = Image.Exif()
    exif[0x010F] = "PhoneMaker"  # Make
    exif[0x0110] = "Phone Model X"  # Model
    exif[0x0112] = orientation  # Orientation: 6 = rotate 90° clockwise to view
    exif[0x0132] = "2024:03:15 06:12:00"  # DateTime
    gps = exif.get_ifd(0x8825)
    gps[1], gps[2] = "N", GPS_LATITUDE
    gps[3], gps[4] = "E", (23.0, 39.0, 6.6)
    sub = exif.get_ifd(0x8769)
    sub[0x927C] = MAKER_NOTE  # MakerNote
    sub[0x9003] = "2024:03:15 06:12:00"  # DateTimeOriginal
    sub[0xA431] = "SN-0042-BODY"  # BodySerialNumber
    out = io.BytesIO()
    _picture(width, height).save(out, "JPEG", exif=exif, xmp=XMP, quality=92)
    return out.getvalue()


def tiny_jpeg() -> bytes:
    out = io.BytesIO()
    _picture(16, 12).save(out, "JPEG")
    return out.getvalue()


def png_with_alpha_and_text() -> bytes:
    from PIL import PngImagePlugin

    info = PngImagePlugin.PngInfo()
    info.add_text("Author", "camera owner")
    info.add_text("Comment", "taken at 52.81N 23.65E")
    out = io.BytesIO()
    _picture(40, 30, "RGBA").save(out, "PNG", pnginfo=info)
    return out.getvalue()


def _png_chunk(kind: bytes, body: bytes) -> bytes:
    return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))


def png_bomb(width: int, height: int) -> bytes:
    """A 1-bit PNG that is tiny on disk and huge when decoded; built without decoding it."""
    row = b"\x00" + b"\x00" * ((width + 7) // 8)
    packer = zlib.compressobj(9)
    parts = [packer.compress(row * 1000) for _ in range(height // 1000)]
    parts.append(packer.compress(row * (height % 1000)))
    parts.append(packer.flush())
    header = struct.pack(">IIBBBBB", width, height, 1, 0, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + _png_chunk(b"IHDR", header)
        + _png_chunk(b"IDAT", b"".join(parts))
        + _png_chunk(b"IEND", b"")
    )


def _riff_chunk(kind: bytes, body: bytes) -> bytes:
    return kind + struct.pack("<I", len(body)) + body + (b"\x00" if len(body) % 2 else b"")


def wav_with_metadata() -> tuple[bytes, bytes]:
    """(the recording with a LIST/INFO and a bext chunk, the same samples without them)."""
    out = io.BytesIO()
    with wave.open(out, "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(8000)
        w.writeframes(bytes(range(256)) * 40)
    plain = out.getvalue()
    info = _riff_chunk(b"LIST", b"INFO" + _riff_chunk(b"INAM", b"interview with witness\x00"))
    bext = _riff_chunk(b"bext", b"Recorder owner: field team 3".ljust(602, b"\x00"))
    body = plain[12:]  # fmt and data chunks
    fmt_end = 12 + 8 + struct.unpack("<I", plain[16:20])[0]
    fmt, data = plain[12:fmt_end], plain[fmt_end:]
    assert body == fmt + data
    riff = b"WAVE" + fmt + info + bext + data
    return b"RIFF" + struct.pack("<I", len(riff)) + riff, plain


def _box(kind: bytes, body: bytes) -> bytes:
    return struct.pack(">I", 8 + len(body)) + kind + body


def mp4_file(handler: bytes, brand: bytes = b"isom") -> bytes:
    """An ISO media file with one track of the given handler type ('soun' or 'vide')."""
    hdlr = _box(b"hdlr", b"\x00" * 4 + b"\x00" * 4 + handler + b"\x00" * 12 + b"track\x00")
    moov = _box(b"moov", _box(b"trak", _box(b"mdia", hdlr)))
    ftyp = _box(b"ftyp", brand + b"\x00\x00\x02\x00" + brand + b"mp41")
    return ftyp + moov + _box(b"mdat", b"\x00" * 64)


def mp3_file() -> bytes:
    id3 = b"ID3\x03\x00\x00\x00\x00\x00\x0a" + b"TIT2\x00\x00\x00\x00\x00\x00"
    frame = b"\xff\xfb\x90\x64" + b"\x00" * 413
    return id3 + frame * 4


def pdf_file() -> bytes:
    return (
        b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n"
        b"2 0 obj<</Type/Pages/Kids[]/Count 0>>endobj\n"
        b"3 0 obj<</Author(camera owner)>>endobj\n"
        b"trailer<</Root 1 0 R/Info 3 0 R>>\n%%EOF\n"
    )


def ogg_file(codec_header: bytes) -> bytes:
    return b"OggS\x00\x02" + b"\x00" * 20 + b"\x01\x13" + codec_header + b"\x00" * 40
