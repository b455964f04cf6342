"""Activities of a campaign: quizzes and calls for entries, and the poem catalogue."""

from django.db import models
from django.utils.translation import gettext_lazy as _

from campaigns.models import AgeGroup, Campaign
from campaigns.typed import TypedSettingsCache


class Poem(models.Model):
    key = models.SlugField(max_length=60, unique=True)
    title = models.CharField(max_length=60)
    author = models.CharField(max_length=40)
    dynasty = models.CharField(max_length=20, blank=True)
    lines = models.JSONField(default=list)
    grade = models.PositiveSmallIntegerField(null=True, blank=True)
    model_reading = models.FileField(upload_to="poems/readings/", blank=True)

    class Meta:
        ordering = ["grade", "key"]
        verbose_name = _("诗词 Poem")
        verbose_name_plural = _("诗词 Poems")

    def __str__(self) -> str:
        return f"{self.title}（{self.dynasty}·{self.author}）"

    @property
    def text(self) -> str:
        return "\n".join(self.lines)


class Event(TypedSettingsCache, models.Model):
    class Kind(models.TextChoices):
        QUIZ = "quiz", _("答题 Quiz")
        RECITATION = "recitation", _("诵读 Recitation")
        ESSAY = "essay", _("征文 Essay")
        PHOTO = "photo", _("摄影 Photo")
        DRAWING = "drawing", _("绘画 Drawing")
        VIDEO = "video", _("微视频 Micro-video")
        READING = "reading", _("阅读打卡 Reading check-in")

    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="events")
    slug = models.SlugField(max_length=80)
    kind = models.CharField(max_length=20, choices=Kind.choices)
    title = models.CharField(max_length=120)
    description = models.TextField(blank=True)
    position = models.PositiveSmallIntegerField(default=0)
    age_groups = models.ManyToManyField(AgeGroup, blank=True, related_name="events")
    poems = models.ManyToManyField(Poem, blank=True, related_name="events")
    # The event's settings from the campaign file (quiz draw/timing/scoring, entry media/limits...).
    settings = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["campaign", "position", "id"]
        constraints = [models.UniqueConstraint(fields=["campaign", "slug"], name="event_slug_per_campaign")]
        verbose_name = _("活动项目 Event")
        verbose_name_plural = _("活动项目 Events")

    def __str__(self) -> str:
        return self.title

    @property
    def takes_entries(self) -> bool:
        return self.kind != self.Kind.QUIZ

    @property
    def opening_window(self):
        """(opens, closes) the event declares in its entries or quiz section, else (None, None)."""
        from events.sections import event_settings

        return event_settings(self).window


# --- quizzes (答题) ---------------------------------------------------------------------------

OPTION_LETTERS = ("A", "B", "C", "D")


class QuestionBank(models.Model):
    """A bank of questions owned by a library; every library in the owner's subtree may use it."""

    slug = models.SlugField(max_length=80, unique=True)
    title = models.CharField(_("题库名称 Title"), max_length=120)
    owner = models.ForeignKey("campaigns.Library", on_delete=models.PROTECT, related_name="question_banks",
                              verbose_name=_("所属图书馆 Owner library"))
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["slug"]
        verbose_name = _("题库 Question bank")
        verbose_name_plural = _("题库 Question banks")

    def __str__(self) -> str:
        return self.title


class Question(models.Model):
    class Kind(models.TextChoices):
        SINGLE = "single", _("单选 Single choice")
        MULTIPLE = "multiple", _("多选 Multiple choice")
        TRUEFALSE = "truefalse", _("判断 True/false")

    bank = models.ForeignKey(QuestionBank, on_delete=models.CASCADE, related_name="questions")
    external_id = models.CharField(_("题号 Id"), max_length=40)
    kind = models.CharField(_("题型 Type"), max_length=12, choices=Kind.choices)
    stem = models.TextField(_("题干 Stem"))
    option_a = models.CharField(max_length=300)
    option_b = models.CharField(max_length=300)
    option_c = models.CharField(max_length=300, blank=True)
    option_d = models.CharField(max_length=300, blank=True)
    # The correct option letters, sorted: "B", "ABD". Never sent to a client before it answers.
    answer = models.CharField(_("答案 Answer"), max_length=4)
    difficulty = models.PositiveSmallIntegerField(_("难度 Difficulty"), default=1)
    tags = models.JSONField(_("标签 Tags"), default=list, blank=True)
    explanation = models.TextField(_("解析 Explanation"), blank=True)
    image = models.ImageField(_("图片 Image"), upload_to="quiz/images/", blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["bank", "external_id"]
        constraints = [
            models.UniqueConstraint(fields=["bank", "external_id"], name="question_id_per_bank"),
            models.CheckConstraint(condition=models.Q(kind__in=["single", "multiple", "truefalse"]),
                                   name="question_kind_valid"),
        ]
        indexes = [models.Index(fields=["bank", "difficulty"])]
        verbose_name = _("题目 Question")
        verbose_name_plural = _("题目 Questions")

    def __str__(self) -> str:
        return f"{self.external_id} {self.stem[:30]}"

    @property
    def options(self) -> dict[str, str]:
        """Letter → text for the options this question has (true/false questions have two)."""
        values = {"A": self.option_a, "B": self.option_b, "C": self.option_c, "D": self.option_d}
        return {letter: text for letter, text in values.items() if text}


class QuizAttempt(models.Model):
    """One child's sitting of a quiz: the drawn paper, the server's clock and the score."""

    class Status(models.TextChoices):
        OPEN = "open", _("答题中 In progress")
        FINISHED = "finished", _("已交卷 Finished")
        EXPIRED = "expired", _("超时自动交卷 Closed at deadline")

    event = models.ForeignKey(Event, on_delete=models.CASCADE, related_name="quiz_attempts")
    child = models.ForeignKey("campaigns.Child", on_delete=models.CASCADE, related_name="quiz_attempts")
    library = models.ForeignKey("campaigns.Library", on_delete=models.PROTECT, related_name="quiz_attempts")
    # An unguessable handle: the attempt's API and pages are addressed by it.
    token = models.CharField(max_length=32, unique=True)
    practice = models.BooleanField(default=False)
    # Started in elder mode (长辈模式): its clocks run longer by the quiz's elder.extra_time_percent.
    elder = models.BooleanField(default=False)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.OPEN)
    local_date = models.DateField(help_text="the start day in the campaign's time zone (daily limits)")
    started_at = models.DateTimeField()
    deadline = models.DateTimeField()
    finished_at = models.DateTimeField(null=True, blank=True)
    question_count = models.PositiveSmallIntegerField()
    answered_count = models.PositiveSmallIntegerField(default=0)
    correct_count = models.PositiveSmallIntegerField(default=0)
    score = models.IntegerField(default=0)
    total_time_ms = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["-started_at", "-id"]
        indexes = [
            models.Index(fields=["event", "child", "local_date"]),
            models.Index(fields=["status", "deadline"]),
        ]
        constraints = [
            # Tabs and reloads cannot open a second paper: one open attempt per child, event and kind
            # (a practice paper and a scored one are distinct and never resume each other).
            models.UniqueConstraint(fields=["event", "child", "practice"], condition=models.Q(status="open"),
                                    name="one_open_attempt_per_child_and_kind"),
        ]
        verbose_name = _("答题记录 Quiz attempt")
        verbose_name_plural = _("答题记录 Quiz attempts")

    def __str__(self) -> str:
        return f"{self.child} · {self.event} · {self.score}"

    @property
    def is_open(self) -> bool:
        return self.status == self.Status.OPEN


class AttemptQuestion(models.Model):
    """A drawn question of an attempt, with the option order this child sees and when it was shown."""

    attempt = models.ForeignKey(QuizAttempt, on_delete=models.CASCADE, related_name="questions")
    position = models.PositiveSmallIntegerField()
    question = models.ForeignKey(Question, on_delete=models.PROTECT, related_name="+")
    # Display order of the original letters: ["C", "A", "D", "B"] shows option C as "A".
    option_order = models.JSONField(default=list)
    shown_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["attempt", "position"]
        constraints = [
            models.UniqueConstraint(fields=["attempt", "position"], name="attempt_position_once"),
            models.UniqueConstraint(fields=["attempt", "question"], name="attempt_question_once"),
        ]

    def __str__(self) -> str:
        return f"{self.attempt_id}#{self.position}"


class QuizAnswer(models.Model):
    """The answer to one drawn question. The one-to-one key makes a second answer impossible."""

    attempt_question = models.OneToOneField(AttemptQuestion, on_delete=models.CASCADE, related_name="answer")
    attempt = models.ForeignKey(QuizAttempt, on_delete=models.CASCADE, related_name="answers")
    choice = models.CharField(max_length=4, help_text="original option letters chosen, sorted")
    correct = models.BooleanField()
    points = models.IntegerField()
    time_ms = models.PositiveIntegerField()
    received_at = models.DateTimeField()

    def __str__(self) -> str:
        return f"{self.attempt_question} → {self.choice}"


class QuizResult(models.Model):
    """A child's standing in a quiz event: the best scored attempt. Leaderboards read only this."""

    event = models.ForeignKey(Event, on_delete=models.CASCADE, related_name="quiz_results")
    child = models.ForeignKey("campaigns.Child", on_delete=models.CASCADE, related_name="quiz_results")
    library = models.ForeignKey("campaigns.Library", on_delete=models.PROTECT, related_name="quiz_results")
    best_attempt = models.ForeignKey(QuizAttempt, on_delete=models.CASCADE, related_name="+")
    score = models.IntegerField()
    total_time_ms = models.PositiveIntegerField()
    finished_at = models.DateTimeField()
    attempts = models.PositiveIntegerField(default=1)
    completed = models.BooleanField(default=False, help_text="answered every question of some attempt")
    elder = models.BooleanField(default=False, help_text="the best attempt was taken in elder mode (more time)")

    class Meta:
        constraints = [models.UniqueConstraint(fields=["event", "child"], name="quiz_result_once")]
        indexes = [models.Index(fields=["event", "-score", "total_time_ms", "finished_at"], name="quiz_result_rank")]
        verbose_name = _("答题成绩 Quiz result")
        verbose_name_plural = _("答题成绩 Quiz results")

    def __str__(self) -> str:
        return f"{self.child} · {self.event} · {self.score}"


class LiveSession(models.Model):
    """A host-driven quiz in a library hall: everyone sees the same question at the same time."""

    class State(models.TextChoices):
        LOBBY = "lobby", _("等待开始 Lobby")
        QUESTION = "question", _("答题中 Question")
        REVEAL = "reveal", _("公布答案 Reveal")
        FINISHED = "finished", _("已结束 Finished")

    event = models.ForeignKey(Event, on_delete=models.CASCADE, related_name="live_sessions")
    host = models.ForeignKey("campaigns.User", on_delete=models.CASCADE, related_name="+")
    code = models.CharField(max_length=8, unique=True)
    state = models.CharField(max_length=10, choices=State.choices, default=State.LOBBY)
    question_ids = models.JSONField(default=list)
    option_orders = models.JSONField(default=list)
    current_index = models.IntegerField(default=-1)
    question_started_at = models.DateTimeField(null=True, blank=True)
    question_seconds = models.PositiveSmallIntegerField(default=20)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("现场答题 Live session")
        verbose_name_plural = _("现场答题 Live sessions")

    def __str__(self) -> str:
        return f"{self.event} · {self.code}"


class LivePlayer(models.Model):
    session = models.ForeignKey(LiveSession, on_delete=models.CASCADE, related_name="players")
    nickname = models.CharField(max_length=20)
    token = models.CharField(max_length=32, unique=True)
    child = models.ForeignKey("campaigns.Child", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    score = models.IntegerField(default=0)
    joined_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-score", "joined_at"]
        constraints = [models.UniqueConstraint(fields=["session", "nickname"], name="live_nickname_once")]

    def __str__(self) -> str:
        return self.nickname


class LiveAnswer(models.Model):
    player = models.ForeignKey(LivePlayer, on_delete=models.CASCADE, related_name="answers")
    index = models.PositiveSmallIntegerField()
    choice = models.CharField(max_length=4)
    correct = models.BooleanField()
    points = models.IntegerField()
    time_ms = models.PositiveIntegerField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["player", "index"], name="live_answer_once")]

    def __str__(self) -> str:
        return f"{self.player} #{self.index}"
