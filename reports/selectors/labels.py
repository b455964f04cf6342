"""Bilingual labels of library levels and media kinds, shared by the figures and the exports."""

from __future__ import annotations

LEVELS = [
    ("national", "国家馆 National"),
    ("provincial", "省级馆 Provincial"),
    ("city", "市级馆 City"),
    ("county", "县级馆 County"),
]


LEVEL_LABEL = dict(LEVELS)


MEDIA_LABEL = {"audio": "音频 Audio", "image": "图片 Image", "essay": "文章 Essay", "video": "视频 Video"}
