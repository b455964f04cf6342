"""MP3 frames as data: cutting at frame boundaries and mp3gain-style lossless gain.

The playback MP3 is encoded in the same ffmpeg run that decodes the upload (see audio.py), before the
trim points and the gain are known. Both are then applied to the encoded frames without re-encoding:

* the encoder runs without the bit reservoir (`-reservoir 0`), so every frame holds its own data and
  a frame-aligned cut decodes cleanly;
* each granule's `global_gain` (8 bits in the side information) scales its decoded samples by
  2^(1/4) per step, i.e. 1.5 dB — exactly what mp3gain does. A gain is applied in whole steps.

Only what our encoder writes is accepted: MPEG-2/2.5 Layer III, mono (anything else raises ValueError)."""

GAIN_STEP_DB = 1.5
SAMPLES_PER_FRAME = 576  # MPEG-2/2.5 Layer III: one granule of 576 samples per frame
BITRATES_KBPS = (0, 8, 16, 24, 32, 40, 48, 56, 64, 80, 96, 112, 128, 144, 160)  # MPEG-2/2.5 Layer III
SAMPLE_RATES = {2: (22050, 24000, 16000), 0: (11025, 12000, 8000)}  # version bits → rates


def frames(data: bytes) -> list[tuple[int, int]]:
    """(offset, length) of every audio frame. Raises ValueError on anything unexpected."""
    found = []
    pos = 0
    size = len(data)
    while pos < size:
        if pos + 4 > size:
            break  # a last frame cut short (the encoder was stopped): dropped
        header = int.from_bytes(data[pos:pos + 4], "big")
        version = (header >> 19) & 3
        bitrate = BITRATES_KBPS[(header >> 12) & 15] if ((header >> 12) & 15) < 15 else 0
        rate_index = (header >> 10) & 3
        if (header >> 21) != 0x7FF or version not in SAMPLE_RATES or ((header >> 17) & 3) != 1 or not bitrate \
                or rate_index == 3 or ((header >> 6) & 3) != 3:
            raise ValueError(f"not an MPEG-2 Layer III mono frame at {pos}")
        length = 72 * bitrate * 1000 // SAMPLE_RATES[version][rate_index] + ((header >> 9) & 1)
        if pos + length > size:
            break
        found.append((pos, length))
        pos += length
    return found


def apply_gain(frame: bytearray, steps: int) -> None:
    """Add `steps` to the granule's global_gain (in place), saturating at the field's range."""
    side = 4 if frame[1] & 1 else 6  # protection bit 0 → a 16-bit CRC follows the header
    # MPEG-2 mono side info: main_data_begin (8), private_bits (1), part2_3_length (12), big_values (9),
    # global_gain (8) → bits 30..37.
    bits = int.from_bytes(frame[side:side + 5], "big")
    gain = (bits >> 2) & 0xFF
    new = min(255, max(0, gain + steps))
    bits = (bits & ~(0xFF << 2)) | (new << 2)
    frame[side:side + 5] = bits.to_bytes(5, "big")
    if side == 6:  # keep the CRC honest: a decoder would otherwise drop the frame
        frame[4:6] = crc16(frame[2:4] + frame[6:6 + 9]).to_bytes(2, "big")


def crc16(data: bytes) -> int:
    """CRC-16 (poly 0x8005, init 0xFFFF) over header bytes 2–3 and the side information, as MPEG audio uses."""
    crc = 0xFFFF
    for byte in data:
        crc ^= byte << 8
        for _ in range(8):
            crc = ((crc << 1) ^ 0x8005) if crc & 0x8000 else crc << 1
            crc &= 0xFFFF
    return crc


def cut_and_gain(data: bytes, first: int, last: int, steps: int) -> bytes:
    """Frames first..last-1 of the stream, each with `steps` of gain."""
    spans = frames(data)[first:last]
    out = bytearray()
    for offset, length in spans:
        frame = bytearray(data[offset:offset + length])
        if steps:
            apply_gain(frame, steps)
        out += frame
    return bytes(out)
