"""A small judging world on the real library tree: a campaign with the recitation event, entries from
several libraries (real MP3 files made with ffmpeg), judges elsewhere, and a round from the config."""

import subprocess
from datetime import timedelta

import pytest
from django.core.files.base import ContentFile
from django.utils import timezone

ENTRY_LIBRARIES = ["C-HN-CS", "X-HN-CSX", "P-HN", "P-HE", "NLC", "C-HN-CS", "P-BJ", "X-HN-CSX"]
JUDGE_LIBRARIES = ["C-HN-CS", "P-HE", "NLC", "P-BJ", "P-TJ"]



@pytest.fixture(scope="session")
def mp3_bytes(tmp_path_factory):
    from config.ffmpeg import ffmpeg_path

    out = tmp_path_factory.mktemp("audio") / "tone.mp3"
    subprocess.run([ffmpeg_path(), "-v", "error", "-f", "lavfi", "-i", "sine=frequency=440:duration=2",
                    "-ac", "1", "-b:a", "32k", str(out)], check=True)
    return out.read_bytes()


def config():
    return {
        "judging": {
            "official_score": "calibrated",
            "tie_break": ["priority_criterion", "chief"],
            "rounds": [{
                "key": "final", "event": "tongyin", "title": "全国总评 National final", "scope": "national",
                "judges_per_entry": 2, "tolerance": 20, "anchors": 0, "advance": {"top": 3},
                "rubric": [
                    {"key": "pronunciation", "label": "发音准确", "weight": 30, "min": 0, "max": 10, "priority": 1},
                    {"key": "rhythm", "label": "节奏韵律", "weight": 25, "min": 0, "max": 10, "priority": 2},
                    {"key": "emotion", "label": "情感表达", "weight": 25, "min": 0, "max": 10, "priority": 3},
                    {"key": "fluency", "label": "完整流畅", "weight": 20, "min": 0, "max": 10, "priority": 4},
                ],
            }],
        },
        "likes": {"event": "tongyin", "per_voter_per_entry_per_day": 1, "per_voter_per_day": 5},
        "scoring": {"formula": "0.7 * panel + 0.3 * likes", "likes_normalisation": "max_in_scope"},
        "awards": [{"key": "zhuangyuan", "title": "诵读小状元", "title_en": "Little Reciting Champion", "count": 1, "event": "tongyin", "scope": "national"},
                   {"key": "daren", "title": "诵读小达人", "count": 2, "event": "tongyin", "scope": "national"}],
    }


@pytest.fixture
def world(libraries, make_user, mp3_bytes):
    from campaigns.models import Campaign, Child, ConsentRecord, Stage
    from events.models import Event, Poem
    from judging import services
    from judging.models import Round
    from submissions.models import Entry

    campaign = Campaign.objects.create(slug="tongyin-test", title="童音诵古韵", lead_library=libraries["NLC"],
                                       config=config())
    now = timezone.now()
    Stage.objects.create(campaign=campaign, kind="judging", starts_at=now - timedelta(days=1),
                         ends_at=now + timedelta(days=5))
    Stage.objects.create(campaign=campaign, kind="likes_open", starts_at=now - timedelta(days=1),
                         ends_at=now + timedelta(days=5))
    event = Event.objects.create(campaign=campaign, slug="tongyin", kind="recitation", title="童音诵古韵")
    poem = Poem.objects.create(key="jingyesi", title="静夜思", author="李白", dynasty="唐",
                               lines=["床前明月光", "疑是地上霜", "举头望明月", "低头思故乡"])
    guardian = make_user("guardian-x", phone="13900000001")
    entries = []
    for n, code in enumerate(ENTRY_LIBRARIES):
        child = Child.objects.create(guardian=guardian, display_name=f"张秘密{n}", nickname=f"昵称小{n}",
                                     birth_year=2017, library=libraries[code])
        for purpose in ("judging", "gallery", "publish_name"):
            ConsentRecord.objects.create(child=child, purpose=purpose, granted=True, text_version="t")
        entry = Entry(event=event, child=child, library=libraries[code], kind="audio", status="ready",
                      moderation="approved", poem=poem, original_name=f"secret-name-{n}.m4a",
                      duration_s=2.0, waveform=[0.1, 0.5, 0.9, 0.4] * 10,
                      media_info={"codec": "aac", "encoder": "iPhone secret"})
        entry.playback.save(f"p{n}.mp3", ContentFile(mp3_bytes), save=False)
        entry.save()
        entries.append(entry)
    judges = []
    for n, code in enumerate(JUDGE_LIBRARIES):
        user = make_user(f"judge{n}", display_name=f"评委{n}")
        judges.append(services.judge_upsert(username=user.username, library=libraries[code]))
    services.rounds_sync(campaign=campaign)
    round_ = Round.objects.get(campaign=campaign, key="final")
    services.round_set_status(round_=round_, status="open", actor=None)
    return {"campaign": campaign, "event": event, "entries": entries, "judges": judges, "round": round_,
            "guardian": guardian, "libraries": libraries}
