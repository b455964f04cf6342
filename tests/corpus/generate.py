"""Makes the project's test corpus (tests/corpus/): recordings, pictures, essays, WeChat callback bodies and
the question bank, with ffmpeg (config/ffmpeg.py's binaries), Pillow, python-docx and openpyxl.

    .venv/bin/python tests/corpus/generate.py          # rewrite the committed files
    .venv/bin/python tests/corpus/generate.py --big D  # also write the big files (made at test time) into D

Speech is a voice-like signal, not a voice: harmonic tones with a wandering pitch, in syllables and
phrases with pauses between them and silence before and after. That is what the pipeline looks at
(silence detection, trimming, loudness), so its verdicts on these files are those on real children.

Big files (a 96 kHz 24-bit studio WAV, a 15-minute recording) are not committed: `materialise()`
makes them, next to links to the committed files, in a temporary folder (tests/conftest.py's `corpus`
fixture, bench/media.py). README.md gives every file's verdict; tests/submissions/conftest.py holds
the same verdicts as data."""

import argparse
import csv
import datetime
import io
import json
import os
import random
import re
import struct
import subprocess
import sys
import zipfile
import zlib
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent.parent
EXAMPLES = ROOT / "campaigns" / "examples"  # libraries.csv and poems.json: the demo's files are the tests' files
FIXED_TIME = datetime.datetime(2027, 1, 1)
BIG_AUDIO = ("jingyesi_96k_24bit_stereo.wav", "bad_too_long_15min.mp3")


def ffmpeg() -> str:
    if str(ROOT) not in sys.path:
        sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    import django

    django.setup()
    from config.ffmpeg import ffmpeg_path

    return ffmpeg_path()


def run_ffmpeg(*args: str) -> None:
    # -fflags +bitexact / -flags +bitexact keep encoder version strings out, so reruns give the same bytes.
    subprocess.run([ffmpeg(), "-v", "error", "-y", *args], check=True)


# --- speech-like audio ----------------------------------------------------------------------------


def voice_expression(f0: float, speech_s: float, lead_s: float = 0.8, level: float = 0.5) -> str:
    """An aevalsrc expression: syllables of 0.28 s every 0.35 s, five to a phrase, 0.5 s between phrases,
    pitch around f0 with a slow glide (the phase is the integral of the frequency, so no clicks)."""
    t = f"(t-{lead_s})"
    phase = f"(2*PI*{f0}*t-{f0 * 0.12 / 0.5:.3f}*cos(PI*t))"
    harmonics = f"(sin({phase})+0.5*sin(2*{phase})+0.3*sin(3*{phase})+0.15*sin(4*{phase}))/1.95"
    syllable = f"gt(0.28,mod({t},0.35))*sin(PI*mod({t},0.35)/0.28)"
    phrase = f"lt(mod({t},2.25),1.75)"
    inside = f"between(t,{lead_s},{lead_s + speech_s})"
    return f"{level}*{inside}*{phrase}*{syllable}*{harmonics}"


def voice(out: Path, *, f0: float, speech_s: float, rate: int, codec: list[str], channels: int = 1,
          total_s: float | None = None, level: float = 0.5, fmt: str | None = None) -> None:
    total = total_s or speech_s + 1.6
    layout = "mono" if channels == 1 else "stereo"
    expr = voice_expression(f0, speech_s, level=level)
    exprs = f"{expr}|{expr}" if channels == 2 else expr
    source = f"aevalsrc='{exprs}':s={rate}:d={total}:c={layout}"  # quoted: the commas are the expression's
    run_ffmpeg("-f", "lavfi", "-i", source, *codec, "-fflags", "+bitexact", "-flags:a", "+bitexact",
               *(["-f", fmt] if fmt else []), str(out))


def audio(folder: Path) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    # Accepted: the formats phones, browsers and WeChat make. Each 6–8 s, at the rate its source uses.
    voice(folder / "jingyesi_16k_mono.wav", f0=260, speech_s=5.0, rate=16000, codec=["-c:a", "pcm_s16le"])
    voice(folder / "chunxiao.mp3", f0=240, speech_s=6.0, rate=22050,
          codec=["-c:a", "libmp3lame", "-b:a", "64k"])  # with its Xing header, as encoders write it
    voice(folder / "yonge_phone.m4a", f0=280, speech_s=6.0, rate=22050, codec=["-c:a", "aac", "-b:a", "48k"])
    voice(folder / "denglou_chrome_recorder.webm", f0=250, speech_s=6.0, rate=48000,
          codec=["-c:a", "libopus", "-b:a", "32k"], fmt="webm")
    voice(folder / "minnong_firefox_recorder.ogg", f0=270, speech_s=6.0, rate=48000,
          codec=["-c:a", "libopus", "-b:a", "32k"], fmt="ogg")
    voice(folder / "jiangxue_wechat_voice.amr", f0=230, speech_s=6.0, rate=8000,
          codec=["-c:a", "libopencore_amrnb", "-b:a", "12.2k"], fmt="amr")
    voice(folder / "chunxiao_wechat_voice.spx", f0=255, speech_s=6.0, rate=16000, codec=["-c:a", "libspeex"],
          fmt="ogg")
    # Refused.
    (folder / "bad_empty.mp3").write_bytes(b"")
    whole = folder / "_whole.m4a"
    voice(whole, f0=280, speech_s=6.0, rate=22050, codec=["-c:a", "aac", "-b:a", "48k", "-movflags", "+faststart"])
    (folder / "bad_truncated.m4a").write_bytes(whole.read_bytes()[:9000])  # header, then the data stops
    whole.unlink()
    run_ffmpeg("-f", "lavfi", "-i", "anullsrc=r=8000:cl=mono", "-t", "6", "-c:a", "pcm_s16le",
               "-fflags", "+bitexact", "-flags:a", "+bitexact", str(folder / "bad_silence.wav"))
    run_ffmpeg("-f", "lavfi", "-i", "sine=frequency=440:sample_rate=16000:duration=0.4", "-af", "volume=-6dB",
               "-c:a", "pcm_s16le", "-fflags", "+bitexact", "-flags:a", "+bitexact", str(folder / "bad_too_short.wav"))
    (folder / "bad_text_named.mp3").write_text("this is not audio at all\n这不是录音\n", encoding="utf-8")


def big_audio(folder: Path) -> None:
    """The files too big to commit: made at test time."""
    folder.mkdir(parents=True, exist_ok=True)
    # A studio recording: 96 kHz, 24-bit, stereo, 7.6 s (4.4 MB); quieter than the phone files.
    voice(folder / "jingyesi_96k_24bit_stereo.wav", f0=265, speech_s=6.0, rate=96000, channels=2, level=0.2,
          codec=["-c:a", "pcm_s24le"])
    # 15 minutes of noise, 8 kbit/s (0.9 MB): refused as too long from the probe, never decoded.
    run_ffmpeg("-f", "lavfi", "-i", "anoisesrc=r=8000:a=0.1:seed=7", "-t", "900", "-ac", "1", "-c:a", "libmp3lame",
               "-b:a", "8k", "-id3v2_version", "0", "-fflags", "+bitexact", "-flags:a", "+bitexact",
               str(folder / "bad_too_long_15min.mp3"))


# --- pictures -------------------------------------------------------------------------------------


def scene(size: tuple[int, int], seed: int):
    """A photo-like picture: sky and ground gradients, a sun, some 'books', sensor noise."""
    from PIL import Image, ImageDraw, ImageFilter

    rnd = random.Random(seed)
    width, height = size
    image = Image.new("RGB", size)
    draw = ImageDraw.Draw(image)
    horizon = int(height * 0.6)
    for y in range(height):
        if y < horizon:
            c = (90 + y * 100 // horizon, 150 + y * 60 // horizon, 230)
        else:
            k = (y - horizon) * 80 // (height - horizon)
            c = (150 - k, 110 - k // 2, 70)
        draw.line([(0, y), (width, y)], fill=c)
    draw.ellipse([width * 0.7, height * 0.08, width * 0.85, height * 0.08 + width * 0.15], fill=(250, 220, 90))
    x = int(width * 0.1)
    while x < width * 0.6:
        w, h = rnd.randint(18, 40), rnd.randint(int(height * 0.2), int(height * 0.35))
        draw.rectangle([x, horizon - h, x + w, horizon], fill=(rnd.randint(60, 220), rnd.randint(40, 200),
                                                                 rnd.randint(40, 200)), outline=(30, 30, 30))
        x += w + rnd.randint(2, 6)
    noise = Image.effect_noise(size, 18).convert("RGB")
    return Image.blend(image.filter(ImageFilter.GaussianBlur(1)), noise, 0.08)


def gps_exif():
    from PIL import Image

    exif = Image.Exif()
    exif[0x010F] = "Xiaomi"  # Make
    exif[0x0110] = "Redmi Note 12"  # Model
    exif[0x0132] = "2027:02:10 10:21:33"  # DateTime
    exif[0x8825] = {  # GPS IFD: a home in 长沙 (what must never be stored or served)
        1: "N", 2: (28.0, 11.0, 42.6), 3: "E", 4: (112.0, 58.0, 9.1), 5: 0, 6: 52.0,
    }
    return exif


def png_bomb(path: Path, width: int, height: int) -> None:
    """A real 1-bit PNG of `width`×`height` white pixels, written row by row (never held in memory);
    zlib squeezes the identical rows to almost nothing."""
    row = b"\x00" + b"\xff" * ((width + 7) // 8)
    compressor = zlib.compressobj(9)
    data = bytearray()
    for _ in range(height):
        data += compressor.compress(row)
    data += compressor.flush()

    def chunk(kind: bytes, body: bytes) -> bytes:
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))

    ihdr = struct.pack(">IIBBBBB", width, height, 1, 0, 0, 0, 0)
    path.write_bytes(b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", bytes(data)) + chunk(b"IEND", b""))


def jpeg_bomb(path: Path, width: int, height: int) -> None:
    """A JPEG whose frame header promises `width`×`height` pixels (JPEG's limit is 65535 a side) over the
    scan data of a 16×16 picture: what a decoder would allocate is decided by the header alone."""
    from PIL import Image

    buffer = io.BytesIO()
    Image.new("L", (16, 16), 200).save(buffer, "JPEG", quality=50)
    data = bytearray(buffer.getvalue())
    sof = data.index(b"\xff\xc0")
    data[sof + 5:sof + 9] = struct.pack(">HH", height, width)
    path.write_bytes(bytes(data))


def images(folder: Path) -> None:
    from PIL import Image, ImageDraw

    folder.mkdir(parents=True, exist_ok=True)
    scene((800, 600), 1).save(folder / "photo_with_gps.jpg", "JPEG", quality=80, exif=gps_exif())
    exif = Image.Exif()
    exif[0x0112] = 6  # Orientation: rotate 90° clockwise to display (a phone held upright)
    exif[0x010F] = "HUAWEI"
    # Stored sideways: 640×480 on disk, 480×640 once shown upright.
    scene((480, 640), 2).transpose(Image.Transpose.ROTATE_90).save(folder / "photo_exif_rotated.jpg", "JPEG",
                                                                    quality=80, exif=exif)
    drawing = Image.new("RGB", (600, 800), (252, 250, 244))
    pen = ImageDraw.Draw(drawing)
    rnd = random.Random(3)
    for colour in [(220, 40, 40), (250, 170, 30), (40, 120, 200), (60, 160, 70)]:  # crayon strokes
        points = [(rnd.randint(40, 560), rnd.randint(40, 760)) for _ in range(6)]
        pen.line(points, fill=colour, width=9, joint="curve")
    pen.ellipse([200, 180, 400, 380], outline=(220, 40, 40), width=8)  # a lantern
    pen.rectangle([280, 380, 320, 440], fill=(250, 170, 30))
    drawing.quantize(16).save(folder / "drawing_scan.png", optimize=True)
    scene((640, 480), 4).save(folder / "photo.webp", "WEBP", quality=70)
    full = io.BytesIO()
    scene((640, 480), 5).save(full, "JPEG", quality=80)
    (folder / "bad_truncated.jpg").write_bytes(full.getvalue()[: len(full.getvalue()) // 3])
    (folder / "bad_text_named.jpg").write_text("not an image\n这不是图片\n", encoding="utf-8")
    (folder / "bad_script.svg").write_text(
        '<svg xmlns="http://www.w3.org/2000/svg"><script>alert(document.cookie)</script></svg>\n', encoding="utf-8")
    png_bomb(folder / "bad_decompression_bomb.png", 30000, 30000)  # 900 megapixels
    png_bomb(folder / "bad_bomb_tall.png", 1000, 60000)  # 60 megapixels, one narrow column
    png_bomb(folder / "bad_bomb_wide.png", 60000, 1000)
    jpeg_bomb(folder / "bad_bomb_tall.jpg", 1000, 65000)
    jpeg_bomb(folder / "bad_bomb_wide.jpg", 65000, 1000)
    Image.new("RGB", (1, 1), (255, 255, 255)).save(folder / "bad_1x1.png")  # a tracking pixel, not a photo


def fixed_zip_times(path: Path) -> None:
    """Office files are zips stamped with the time they were saved: pin the stamps so reruns match."""
    with zipfile.ZipFile(path) as source:
        members = [(info, source.read(info)) for info in source.infolist()]
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as target:
        for info, content in members:
            info.date_time = (2027, 1, 1, 0, 0, 0)
            if info.filename == "docProps/core.xml":  # openpyxl stamps "modified" at save time, whatever we set
                content = re.sub(rb"(<dcterms:modified[^>]*>)[^<]*", rb"\g<1>2027-01-01T00:00:00Z", content)
            target.writestr(info, content)


# --- essays ---------------------------------------------------------------------------------------

ESSAY = """我家门口的图书馆

去年冬天，我们街道新开了一家社区图书馆。第一次进去的时候，我被墙上的彩色书架吸引住了，那里放满了童话、科普和古诗的绘本。

管理员阿姨教我用借书证借书，还告诉我每个星期六下午有故事会。从那以后，我每个周末都拉着奶奶去听故事。奶奶不识几个字，可她最爱听《西游记》，听到孙悟空三打白骨精，她笑得合不拢嘴。

寒假里，图书馆举办了“网络书香过大年”诵读活动。我在家里录了一首《春晓》，爸爸帮我上传到了网上。虽然我念得有点快，但是老师说我的声音很好听。

我觉得图书馆像一个百宝箱，每次打开都有新的惊喜。我要把读过的好书推荐给同学们，让更多的小伙伴爱上阅读。"""

GB18030_ESSAY = """我的同桌王䶮

我的同桌叫王䶮，他的名字里有一个很少见的字“䶮”，读作yǎn，意思是高大明亮。开学第一天，老师念了好几遍才念对。

王䶮最喜欢去图书馆看恐龙的书，他说长大以后要当一名古生物学家。"""

MARKUP = """<script>fetch("/api/"+document.cookie)</script>
<img src=x onerror=alert(1)>
{essay}

<a href="javascript:alert(2)">点我</a>
"""


def essays(folder: Path) -> None:
    import docx

    folder.mkdir(parents=True, exist_ok=True)
    (folder / "essay_utf8.txt").write_text(ESSAY + "\n", encoding="utf-8")
    (folder / "essay_utf8_bom.txt").write_bytes(b"\xef\xbb\xbf" + (ESSAY + "\n").encode("utf-8"))  # Notepad "UTF-8 BOM"
    (folder / "essay_utf16_bom.txt").write_bytes((ESSAY + "\n").replace("\n", "\r\n").encode("utf-16"))  # "Unicode"
    (folder / "essay_gbk.txt").write_bytes((ESSAY + "\n").replace("\n", "\r\n").encode("gbk"))  # older Notepad
    (folder / "essay_gb18030.txt").write_bytes((GB18030_ESSAY + "\n").encode("gb18030"))  # 䶮 is not in GBK
    document = docx.Document()
    title, *paragraphs = [p for p in ESSAY.split("\n") if p.strip()]
    document.add_heading(title, level=1)
    for paragraph in paragraphs:
        document.add_paragraph(paragraph)
    document.core_properties.author = ""  # no family's name in the file
    document.core_properties.created = document.core_properties.modified = FIXED_TIME
    document.save(folder / "essay.docx")
    fixed_zip_times(folder / "essay.docx")
    (folder / "essay_with_markup.txt").write_text(MARKUP.format(essay=ESSAY), encoding="utf-8")
    repeats = 10_500 // sum(1 for ch in ESSAY if not ch.isspace()) + 1  # just over the 10000-character default
    (folder / "bad_too_long.txt").write_text("\n\n".join([ESSAY] * repeats) + "\n", encoding="utf-8")
    (folder / "bad_binary_named.txt").write_bytes(bytes(range(256)) * 8)
    with zipfile.ZipFile(folder / "bad_zip_named.docx", "w") as archive:  # a zip of photos renamed .docx
        archive.writestr("相册/1.txt", "photos would be here")
        archive.writestr("readme.txt", "not a Word document")
    fixed_zip_times(folder / "bad_zip_named.docx")


# --- WeChat callback bodies (plain mode) ----------------------------------------------------------

OPENID = "oAbCd1234567890EfGhIjKlMnOpQ"  # the ids the WeChat tests expect (tests/wechat/conftest.py)
GH = "gh_0123456789ab"
SYSTEM = "oXYZ000000000000000000000000"  # job-finished events come from the platform


def _msg(created: int, kind: str, body: str, sender: str = OPENID) -> str:
    return (f"<xml><ToUserName><![CDATA[{GH}]]></ToUserName><FromUserName><![CDATA[{sender}]]></FromUserName>"
            f"<CreateTime>{created}</CreateTime><MsgType><![CDATA[{kind}]]></MsgType>{body}</xml>")


def wechat(folder: Path) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    bodies = {
        "text_keyword.xml": _msg(1800000000, "text", "<Content><![CDATA[答题]]></Content><MsgId>24312345678901234</MsgId>"),
        "voice_amr.xml": _msg(1800000100, "voice",
                              "<MediaId><![CDATA[Q8gGX3p0a1B2c3D4e5F6g7H8i9J0kLmNoPqRsTuVwXyZ]]></MediaId>"
                              "<Format><![CDATA[amr]]></Format><MsgId>24312345678901235</MsgId>"
                              "<Recognition><![CDATA[床前明月光，疑是地上霜。]]></Recognition>"
                              "<MediaId16K><![CDATA[R9hHY4q1b2C3d4E5f6G7h8I9j0KlMnOpQrStUvWxYz01]]></MediaId16K>"),
        "subscribe_qrscene.xml": _msg(1800000200, "event",
                                      "<Event><![CDATA[subscribe]]></Event><EventKey><![CDATA[qrscene_lib-P-HN]]>"
                                      "</EventKey><Ticket><![CDATA[gQHshuxiangTicket2027]]></Ticket>"),
        "click_menu.xml": _msg(1800000300, "event",
                               "<Event><![CDATA[CLICK]]></Event><EventKey><![CDATA[MY_ENTRIES]]></EventKey>"),
        "unsubscribe.xml": _msg(1800000400, "event", "<Event><![CDATA[unsubscribe]]></Event><EventKey><![CDATA[]]>"
                                "</EventKey>"),
        "masssendjobfinish.xml": _msg(1800000500, "event",
                                      "<Event><![CDATA[MASSSENDJOBFINISH]]></Event><MsgID>1000001625</MsgID>"
                                      "<Status><![CDATA[send success]]></Status><TotalCount>40210</TotalCount>"
                                      "<FilterCount>40000</FilterCount><SentCount>39870</SentCount>"
                                      "<ErrorCount>130</ErrorCount>", SYSTEM),
        "publishjobfinish.xml": _msg(1800000600, "event",
                                     "<Event><![CDATA[PUBLISHJOBFINISH]]></Event><PublishEventInfo>"
                                     "<publish_id>2247483897</publish_id><publish_status>0</publish_status>"
                                     "<article_id><![CDATA[ShuxiangArticle2027]]></article_id>"
                                     "<article_detail><count>1</count><item><idx>1</idx>"
                                     "<article_url><![CDATA[https://mp.weixin.qq.com/s/example]]></article_url>"
                                     "</item></article_detail></PublishEventInfo>", SYSTEM),
        "bad_malformed.xml": f"<xml><ToUserName><![CDATA[{GH}]]></ToUserName><FromUserName><![CDATA[{OPENID}]]>"
                             "<MsgType><![CDATA[text]]></MsgType><Content>没有结束",
        "bad_xxe.xml": '<?xml version="1.0"?>\n<!DOCTYPE xml [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>\n'
                       + _msg(1800000700, "text", "<Content>&xxe;</Content><MsgId>24312345678901299</MsgId>"),
        "bad_billion_laughs.xml": '<?xml version="1.0"?>\n<!DOCTYPE xml [\n <!ENTITY lol "lol">\n'
                                  + "".join(f' <!ENTITY lol{i} "{("&lol" + (str(i - 1) if i > 1 else "") + ";") * 10}">\n'
                                            for i in range(1, 10))
                                  + "]>\n" + _msg(1800000800, "text", "<Content>&lol9;</Content>"),
    }
    for name, body in bodies.items():
        (folder / name).write_text(body + "\n", encoding="utf-8")


# --- the question bank ----------------------------------------------------------------------------

HEADER = ["id", "type", "stem", "option_a", "option_b", "option_c", "option_d", "answer", "difficulty", "tags",
          "explanation"]


def question_rows() -> list[list]:
    """80 questions about the demo's 24 poems: who wrote it, the next line, which dynasty, which lines."""
    poems = json.loads((EXAMPLES / "poems.json").read_text(encoding="utf-8"))
    rnd = random.Random(2027)
    authors = sorted({p["author"] for p in poems})
    dynasties = ["唐", "宋", "元", "明", "清", "汉"]
    rows: list[list] = []

    def add(kind, stem, options, answer, poem, explanation):
        difficulty = 1 if poem["grade"] <= 1 else 2 if poem["grade"] <= 3 else 3
        tags = "|".join([poem["dynasty"] + "诗", poem["author"], poem["title"]])
        rows.append([f"Q{len(rows) + 1:03d}", kind, stem, *(options + [""] * 4)[:4], answer, difficulty, tags,
                     explanation])

    def single(stem, right, wrong, poem, explanation):
        options = rnd.sample(wrong, 3) + [right]
        rnd.shuffle(options)
        add("single", stem, options, "ABCD"[options.index(right)], poem, explanation)

    def line(text):
        return text.rstrip("，。？！；、")

    for poem in poems:  # Q001–Q024: the author
        single(f"《{poem['title']}》的作者是谁？", poem["author"], [a for a in authors if a != poem["author"]], poem,
               f"《{poem['title']}》是{poem['dynasty']}代{poem['author']}的作品。")
    all_lines = [line(x) for p in poems for x in p["lines"]]
    for poem in poems:  # Q025–Q048: the next line
        first, second = line(poem["lines"][0]), line(poem["lines"][1])
        single(f"“{first}，______。”横线处应填哪一句？", second, [x for x in all_lines if x not in map(line, poem["lines"])],
               poem, f"《{poem['title']}》开头是“{first}，{second}。”")
    for poem in poems[:8]:  # Q049–Q056: the dynasty
        single(f"《{poem['title']}》的作者{poem['author']}是哪个朝代的人？", poem["dynasty"],
               [d for d in dynasties if d != poem["dynasty"]], poem, f"{poem['author']}是{poem['dynasty']}代人。")
    for i, poem in enumerate(poems[8:20]):  # Q057–Q068: true or false
        true = i % 2 == 0
        said = poem["author"] if true else rnd.choice([a for a in authors if a != poem["author"]])
        add("truefalse", f"《{poem['title']}》的作者是{said}。", ["正确", "错误"], "A" if true else "B", poem,
            f"《{poem['title']}》的作者是{poem['author']}。")
    for i, poem in enumerate(poems[12:24]):  # Q069–Q080: which lines are from the poem (two to four of them)
        own = [line(x) for x in poem["lines"]]
        count = 4 - i % 3
        others = rnd.sample([x for x in all_lines if x not in own], 4 - count)
        options = rnd.sample(own, count) + others
        rnd.shuffle(options)
        answer = "".join("ABCD"[k] for k, x in enumerate(options) if x in own)
        add("multiple", f"下面哪些诗句出自《{poem['title']}》？", options, answer, poem,
            f"《{poem['title']}》：{'，'.join(own)}。")
    return rows


def data(folder: Path) -> None:
    import openpyxl

    folder.mkdir(parents=True, exist_ok=True)
    rows = question_rows()
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(HEADER)
    writer.writerows(rows)
    (folder / "quiz_bank.csv").write_bytes(b"\xef\xbb\xbf" + out.getvalue().encode("utf-8"))  # as Excel saves CSV
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "题库"
    sheet.append(HEADER)
    for row in rows:
        sheet.append(row)
    book.properties.creator = "Shuxiang"
    book.properties.created = book.properties.modified = FIXED_TIME
    book.save(folder / "quiz_bank.xlsx")
    fixed_zip_times(folder / "quiz_bank.xlsx")


# --- the corpus as the tests see it ---------------------------------------------------------------


def materialise(target: Path) -> Path:
    """A folder laid out like tests/corpus (audio/, images/, essays/, wechat/, data/) with links to the
    committed files, the example libraries.csv and poems.json, and the big files made here and now."""
    for sub in ("audio", "images", "essays", "wechat", "data"):
        (target / sub).mkdir(parents=True, exist_ok=True)
        for path in sorted((HERE / sub).iterdir()):
            link = target / sub / path.name
            if not link.exists():
                link.symlink_to(path)
    for name in ("libraries.csv", "poems.json"):
        link = target / "data" / name
        if not link.exists():
            link.symlink_to(EXAMPLES / name)
    if not all((target / "audio" / name).exists() for name in BIG_AUDIO):
        big_audio(target / "audio")
    return target


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--big", type=Path, help="also materialise the whole corpus (with the big files) here")
    args = parser.parse_args()
    audio(HERE / "audio")
    images(HERE / "images")
    essays(HERE / "essays")
    wechat(HERE / "wechat")
    data(HERE / "data")
    if args.big:
        materialise(args.big)
    total = sum(p.stat().st_size for p in HERE.rglob("*") if p.is_file())
    print(f"corpus written to {HERE} ({total / 1024 / 1024:.2f} MB)")


if __name__ == "__main__":
    main()
