"""Judging: judges, panels, rounds with rubrics, assignments, scores, discrepancies, likes, results,
appeals and certificates. Writes go through judging/services/; every change is audited."""

import secrets

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


def new_verification_code() -> str:
    alphabet = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I: read aloud and typed from paper
    return "-".join("".join(secrets.choice(alphabet) for _ in range(4)) for _ in range(3))


class Judge(models.Model):
    """A person who scores: their home library decides the conflicts of interest."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="judge")
    library = models.ForeignKey("campaigns.Library", on_delete=models.PROTECT, related_name="judges")
    capacity = models.PositiveIntegerField(_("最多评审件数 Capacity"), null=True, blank=True)
    expertise = models.CharField(_("专长 Expertise"), max_length=120, blank=True)
    active = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["id"]
        verbose_name = _("评委 Judge")
        verbose_name_plural = _("评委 Judges")

    def __str__(self) -> str:
        return str(self.user)


class Panel(models.Model):
    campaign = models.ForeignKey("campaigns.Campaign", on_delete=models.CASCADE, related_name="panels")
    name = models.CharField(max_length=80)
    judges = models.ManyToManyField(Judge, blank=True, related_name="panels")
    chief = models.ForeignKey(Judge, null=True, blank=True, on_delete=models.SET_NULL, related_name="chief_of")

    class Meta:
        constraints = [models.UniqueConstraint(fields=["campaign", "name"], name="panel_name_per_campaign")]
        verbose_name = _("评审组 Panel")
        verbose_name_plural = _("评审组 Panels")

    def __str__(self) -> str:
        return self.name


class Round(models.Model):
    class Scope(models.TextChoices):
        LIBRARY = "library", _("本馆 Library")
        CITY = "city", _("市 City")
        PROVINCE = "province", _("省 Province")
        NATIONAL = "national", _("全国 National")

    class Status(models.TextChoices):
        DRAFT = "draft", _("筹备 Draft")
        OPEN = "open", _("评审中 Open")
        CLOSED = "closed", _("已截止 Closed")
        PUBLICITY = "publicity", _("公示 Public review")
        FINAL = "final", _("已定稿 Final")

    class Method(models.TextChoices):
        RUBRIC = "rubric", _("量表评分 Rubric scoring")
        COMPARATIVE = "comparative", _("比较式评审 Comparative judgement")

    campaign = models.ForeignKey("campaigns.Campaign", on_delete=models.CASCADE, related_name="rounds")
    event = models.ForeignKey("events.Event", on_delete=models.CASCADE, related_name="rounds")
    key = models.SlugField(max_length=40)
    method = models.CharField(_("评审方式 Method"), max_length=12, choices=Method.choices, default=Method.RUBRIC)
    # Comparative rounds: every entry is compared at least this many times (10–14 reach a reliability
    # of about 0.7, 26–37 about 0.9: Verhavert et al. 2019).
    comparisons_per_entry = models.PositiveSmallIntegerField(_("每件作品比较次数 Comparisons per entry"), default=10)
    title = models.CharField(max_length=120)
    position = models.PositiveSmallIntegerField(default=0)
    scope = models.CharField(max_length=10, choices=Scope.choices, default=Scope.NATIONAL)
    judges_per_entry = models.PositiveSmallIntegerField(default=3)
    # [{key, label, weight, min, max, priority}]
    rubric = models.JSONField(default=list)
    # {"top": N} or {"top_percent": P}, per scope
    advance = models.JSONField(default=dict, blank=True)
    opens_at = models.DateTimeField(null=True, blank=True)
    closes_at = models.DateTimeField(null=True, blank=True)
    tolerance = models.FloatField(_("分差容忍度 Tolerance (0–100)"), default=15.0)
    same_city_conflict = models.BooleanField(default=False)
    anchors = models.PositiveSmallIntegerField(default=2)
    panel = models.ForeignKey(Panel, null=True, blank=True, on_delete=models.SET_NULL, related_name="rounds")
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.DRAFT)

    class Meta:
        ordering = ["campaign", "position", "id"]
        constraints = [
            models.UniqueConstraint(fields=["campaign", "key"], name="round_key_per_campaign"),
            models.CheckConstraint(condition=Q(judges_per_entry__gte=1), name="round_k_positive"),
        ]
        verbose_name = _("评审轮次 Round")
        verbose_name_plural = _("评审轮次 Rounds")

    def __str__(self) -> str:
        return self.title

    def is_open(self, at=None) -> bool:
        at = at or timezone.now()
        if self.status != self.Status.OPEN:
            return False
        return (self.opens_at is None or self.opens_at <= at) and (self.closes_at is None or at < self.closes_at)

    def criteria(self) -> list[dict]:
        return [
            {"key": c["key"], "label": c.get("label", c["key"]), "weight": float(c.get("weight", 1)),
             "min": float(c.get("min", 0)), "max": float(c.get("max", 10)), "priority": int(c.get("priority", 0))}
            for c in (self.rubric or [])
        ]


class Assignment(models.Model):
    class State(models.TextChoices):
        PENDING = "pending", _("待评 Pending")
        DRAFT = "draft", _("草稿 Draft")
        SUBMITTED = "submitted", _("已提交 Submitted")
        REOPENED = "reopened", _("重新打开 Reopened")
        WITHDRAWN = "withdrawn", _("已撤销 Withdrawn")  # judge dropped out or declared a conflict

    class Reason(models.TextChoices):
        INITIAL = "initial", _("初次分配 Initial")
        ANCHOR = "anchor", _("锚定作品 Anchor")
        DISAGREEMENT = "disagreement", _("分差过大加评 Extra for disagreement")
        STRADDLE = "straddle", _("临界加评 Extra near a cut")
        REASSIGN = "reassign", _("改派 Reassigned")

    round = models.ForeignKey(Round, on_delete=models.CASCADE, related_name="assignments")
    entry = models.ForeignKey("submissions.Entry", on_delete=models.CASCADE, related_name="assignments")
    judge = models.ForeignKey(Judge, on_delete=models.PROTECT, related_name="assignments")
    state = models.CharField(max_length=10, choices=State.choices, default=State.PENDING)
    reason = models.CharField(max_length=14, choices=Reason.choices, default=Reason.INITIAL)
    withdrawn_reason = models.CharField(max_length=200, blank=True)
    comment = models.TextField(_("评语 Comment"), blank=True)
    played_seconds = models.FloatField(default=0)
    played_fraction = models.FloatField(default=0)
    opened_at = models.DateTimeField(null=True, blank=True)
    submitted_at = models.DateTimeField(null=True, blank=True)
    too_fast = models.BooleanField(_("快于录音时长 Scored faster than the media lasts"), default=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(fields=["round", "entry", "judge"], name="assignment_once"),
            models.CheckConstraint(condition=Q(played_fraction__gte=0) & Q(played_fraction__lte=1),
                                   name="assignment_played_fraction_range"),
        ]
        indexes = [models.Index(fields=["round", "judge", "state"], name="assignment_queue")]
        verbose_name = _("评审分配 Assignment")
        verbose_name_plural = _("评审分配 Assignments")

    def __str__(self) -> str:
        return f"{self.round} · #{self.entry_id} → {self.judge}"

    @property
    def is_active(self) -> bool:
        return self.state != self.State.WITHDRAWN


class Comparison(models.Model):
    """One comparative judgement: the judge saw entries A (left) and B (right) and chose the better,
    or called it too close. Blank `winner` = waiting for the judge (at most one per judge and round)."""

    class Winner(models.TextChoices):
        A = "a", _("左边 A")
        B = "b", _("右边 B")
        TIE = "tie", _("难分高下 Too close to call")

    round = models.ForeignKey(Round, on_delete=models.CASCADE, related_name="comparisons")
    judge = models.ForeignKey(Judge, on_delete=models.PROTECT, related_name="comparisons")
    entry_a = models.ForeignKey("submissions.Entry", on_delete=models.CASCADE, related_name="+")
    entry_b = models.ForeignKey("submissions.Entry", on_delete=models.CASCADE, related_name="+")
    winner = models.CharField(max_length=3, choices=Winner.choices, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    decided_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(fields=["round", "judge", "entry_a", "entry_b"], name="comparison_once"),
            models.UniqueConstraint(fields=["round", "judge"], condition=Q(winner=""), name="comparison_one_open"),
            models.CheckConstraint(condition=~Q(entry_a=models.F("entry_b")), name="comparison_two_entries"),
        ]
        indexes = [models.Index(fields=["round", "winner"], name="comparison_round_winner")]
        verbose_name = _("比较 Comparison")
        verbose_name_plural = _("比较 Comparisons")

    def __str__(self) -> str:
        return f"{self.round} · #{self.entry_a_id} vs #{self.entry_b_id} → {self.winner or '?'}"


class Score(models.Model):
    round = models.ForeignKey(Round, on_delete=models.CASCADE, related_name="scores")
    assignment = models.ForeignKey(Assignment, on_delete=models.CASCADE, related_name="scores")
    entry = models.ForeignKey("submissions.Entry", on_delete=models.CASCADE, related_name="scores")
    judge = models.ForeignKey(Judge, on_delete=models.PROTECT, related_name="scores")
    criterion = models.SlugField(max_length=40)
    value = models.FloatField()
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["round", "entry", "judge", "criterion"], name="score_once_per_criterion"),
        ]
        verbose_name = _("评分 Score")
        verbose_name_plural = _("评分 Scores")

    def __str__(self) -> str:
        return f"{self.criterion}={self.value}"


class Discrepancy(models.Model):
    class Status(models.TextChoices):
        EXTRA_JUDGE = "extra_judge", _("已加派评委 Extra judge assigned")
        ARBITRATION = "arbitration", _("待总评裁决 Awaiting the chief judge")
        RESOLVED = "resolved", _("已解决 Resolved")

    round = models.ForeignKey(Round, on_delete=models.CASCADE, related_name="discrepancies")
    entry = models.ForeignKey("submissions.Entry", on_delete=models.CASCADE, related_name="discrepancies")
    spread = models.FloatField()
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.EXTRA_JUDGE)
    arbitrated_score = models.FloatField(null=True, blank=True)
    note = models.TextField(blank=True)
    resolved_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                    related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    resolved_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["round", "entry"], name="discrepancy_once")]
        verbose_name = _("分差 Discrepancy")
        verbose_name_plural = _("分差 Discrepancies")

    def __str__(self) -> str:
        return f"{self.round} · #{self.entry_id} · {self.status}"


class Like(models.Model):
    """One like per voter per entry per day (DB constraint). The voter is kept only as a salted hash."""

    entry = models.ForeignKey("submissions.Entry", on_delete=models.CASCADE, related_name="likes")
    voter_hash = models.CharField(max_length=64, db_index=True)
    day = models.DateField()
    source = models.CharField(max_length=12, default="web")  # web | wechat
    network_hash = models.CharField(max_length=64, blank=True)
    created_at = models.DateTimeField(default=timezone.now, db_index=True)
    flagged = models.CharField(max_length=60, blank=True)
    voided = models.BooleanField(default=False)
    void_reason = models.CharField(max_length=200, blank=True)
    voided_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                  related_name="+")
    voided_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["entry", "voter_hash", "day"], name="like_once_per_day")]
        indexes = [models.Index(fields=["entry", "voided"], name="like_entry_valid")]
        verbose_name = _("点赞 Like")
        verbose_name_plural = _("点赞 Likes")

    def __str__(self) -> str:
        return f"like #{self.entry_id} {self.day}"


class Result(models.Model):
    round = models.ForeignKey(Round, on_delete=models.CASCADE, related_name="results")
    entry = models.ForeignKey("submissions.Entry", on_delete=models.CASCADE, related_name="results")
    scope_key = models.CharField(max_length=40)
    n_scores = models.PositiveSmallIntegerField(default=0)
    raw_mean = models.FloatField(null=True)
    trimmed_mean = models.FloatField(null=True)
    calibrated = models.FloatField(null=True)
    ci_low = models.FloatField(null=True)
    ci_high = models.FloatField(null=True)
    rank_low = models.PositiveIntegerField(null=True, blank=True)   # comparative rounds: 95 % rank interval
    rank_high = models.PositiveIntegerField(null=True, blank=True)
    panel_score = models.FloatField(null=True)  # the official method's value
    likes = models.PositiveIntegerField(default=0)
    likes_normalised = models.FloatField(default=0)
    final_score = models.FloatField(null=True)
    rank = models.PositiveIntegerField(null=True)
    advanced = models.BooleanField(default=False)
    award_key = models.CharField(max_length=40, blank=True)
    award_title = models.CharField(max_length=80, blank=True)
    award_title_en = models.CharField(max_length=80, blank=True, default="")
    flags = models.JSONField(default=list, blank=True)
    tie_note = models.CharField(max_length=200, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["round", "scope_key", "rank"]
        constraints = [models.UniqueConstraint(fields=["round", "entry"], name="result_once")]
        verbose_name = _("结果 Result")
        verbose_name_plural = _("结果 Results")

    def __str__(self) -> str:
        return f"{self.round} · #{self.entry_id} · {self.rank}"


class TieDecision(models.Model):
    """The last link of the tie-break chain: the chief judge's logged order for tied entries."""

    round = models.ForeignKey(Round, on_delete=models.CASCADE, related_name="tie_decisions")
    entry_ids = models.JSONField()  # in the decided order, best first
    reason = models.TextField()
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    decided_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return f"{self.round} · tie {self.entry_ids}"


class Appeal(models.Model):
    class Status(models.TextChoices):
        OPEN = "open", _("待处理 Open")
        UPHELD = "upheld", _("已采纳 Upheld")
        REJECTED = "rejected", _("已驳回 Rejected")

    result = models.ForeignKey(Result, on_delete=models.CASCADE, related_name="appeals")
    filed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="judging_appeals")
    reason = models.TextField(_("申诉理由 Reason"))
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.OPEN)
    resolution = models.TextField(blank=True)
    resolved_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                    related_name="+")
    filed_at = models.DateTimeField(auto_now_add=True)
    resolved_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-filed_at"]
        verbose_name = _("申诉 Appeal")
        verbose_name_plural = _("申诉 Appeals")

    def __str__(self) -> str:
        return f"appeal #{self.pk} · {self.status}"


class Certificate(models.Model):
    code = models.CharField(max_length=20, unique=True, default=new_verification_code)
    campaign = models.ForeignKey("campaigns.Campaign", on_delete=models.CASCADE, related_name="certificates")
    entry = models.ForeignKey("submissions.Entry", on_delete=models.CASCADE, related_name="certificates")
    award_key = models.CharField(max_length=40)
    award_title = models.CharField(max_length=80)
    award_title_en = models.CharField(max_length=80, blank=True, default="")
    child_name = models.CharField(max_length=40)
    library_name = models.CharField(max_length=120)
    issued_at = models.DateTimeField(auto_now_add=True)
    revoked = models.BooleanField(default=False)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["entry", "award_key"], name="certificate_once")]
        verbose_name = _("证书 Certificate")
        verbose_name_plural = _("证书 Certificates")

    def __str__(self) -> str:
        return self.code
