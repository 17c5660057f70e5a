"""Boards, threads and posts: the forum half of the bridge.

A post keeps three bodies: the Markdown its author wrote, the sanitised HTML the
pages and mails show, and plain text for mail and search.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from forum.models.visibility import BoardQuerySet, PostQuerySet, ThreadQuerySet


class BoardKind(models.TextChoices):
    SESSION = "session", _("échanges")
    TESTIMONIES = "testimonies", _("témoignages")
    LIBRARY = "library", _("bibliothèque")


class Board(models.Model):
    """A session's boards (its exchanges, and its « Témoignages » once a testimony is
    published), one board per approved network, plus the event's general board (neither
    session nor network) and the library's board (neither, kind LIBRARY: one thread
    per entry, forum.models.library)."""

    event = models.ForeignKey(
        "forum.Event", on_delete=models.CASCADE, related_name="boards", verbose_name=_("événement")
    )
    session = models.ForeignKey(
        "forum.Session",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="boards",
        verbose_name=_("session"),
    )
    network = models.OneToOneField(
        "forum.Network",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="board",
        verbose_name=_("réseau"),
    )
    kind = models.CharField(
        _("nature"), max_length=12, choices=BoardKind.choices, default=BoardKind.SESSION
    )
    slug = models.SlugField(_("identifiant"), max_length=80, unique=True)
    title = models.CharField(_("titre"), max_length=300)
    description = models.TextField(_("description"), blank=True)
    position = models.PositiveSmallIntegerField(_("position"), default=0)
    # While an archive is imported into the board, it is read only by those who
    # moderate it, until then: a lease the import renews, so that a crashed import
    # hides it no longer once it lapses (forum.services.archive).
    import_until = models.DateTimeField(_("import en cours jusqu'à"), null=True, blank=True)

    objects = BoardQuerySet.as_manager()

    class Meta:
        verbose_name = _("forum")
        verbose_name_plural = _("forums")
        ordering = ["event", "position", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["session", "kind"], name="one_board_per_session_kind")
        ]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("forum:board", kwargs={"slug": self.slug})

    @property
    def has_list(self) -> bool:
        """A session's or a network's board takes mail at `<slug>@`; the general
        board does not."""
        return bool(self.session_id or self.network_id)


class Thread(models.Model):
    board = models.ForeignKey(
        Board, on_delete=models.CASCADE, related_name="threads", verbose_name=_("forum")
    )
    title = models.CharField(_("titre"), max_length=200)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="threads",
        verbose_name=_("auteur·rice"),
    )
    created_at = models.DateTimeField(_("créé le"), default=timezone.now)
    # Denormalised for the board page: updated in the same transaction as each post.
    last_post_at = models.DateTimeField(_("dernier message le"), db_index=True)
    last_post = models.ForeignKey(
        "forum.Post",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("dernier message"),
    )
    post_count = models.PositiveIntegerField(_("nombre de messages"), default=0)
    is_locked = models.BooleanField(_("verrouillé"), default=False)
    is_pinned = models.BooleanField(_("épinglé"), default=False)

    objects = ThreadQuerySet.as_manager()

    class Meta:
        verbose_name = _("fil")
        verbose_name_plural = _("fils")
        ordering = ["-is_pinned", "-last_post_at"]
        indexes = [models.Index(fields=["board", "-is_pinned", "-last_post_at"])]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("forum:thread", kwargs={"pk": self.pk})


class ThreadShare(models.Model):
    """A thread shown in a board other than its home (« passerelle »): one thread,
    one set of posts, listed, searched and followed from each board it is shared to,
    read by whom may read its home board (forum.models.visibility)."""

    thread = models.ForeignKey(
        Thread, on_delete=models.CASCADE, related_name="shares", verbose_name=_("fil")
    )
    board = models.ForeignKey(
        Board, on_delete=models.CASCADE, related_name="shared_threads", verbose_name=_("forum")
    )
    shared_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
        verbose_name=_("partagé par"),
    )
    shared_at = models.DateTimeField(_("partagé le"), auto_now_add=True)

    class Meta:
        verbose_name = _("passerelle")
        verbose_name_plural = _("passerelles")
        constraints = [
            models.UniqueConstraint(fields=["thread", "board"], name="one_share_per_board")
        ]

    def __str__(self) -> str:
        return f"{self.thread} → {self.board}"


class PostSource(models.TextChoices):
    WEB = "web", _("site")
    EMAIL = "email", _("courriel")
    # Loaded from a list's archive (mailbridge.bridge.importer): never mailed to
    # followers nor pushed to live pages (docs/architecture.md, "Archive import").
    IMPORT = "import", _("archive")


class Post(models.Model):
    thread = models.ForeignKey(
        Thread, on_delete=models.CASCADE, related_name="posts", verbose_name=_("fil")
    )
    number = models.PositiveIntegerField(_("numéro dans le fil"))
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="posts",
        verbose_name=_("auteur·rice"),
    )
    in_reply_to = models.ForeignKey(
        "self",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="replies",
        verbose_name=_("en réponse à"),
    )
    body_markdown = models.TextField(_("texte (Markdown)"))
    body_html = models.TextField(_("texte (HTML nettoyé)"))
    body_text = models.TextField(_("texte brut"))
    source = models.CharField(
        _("origine"), max_length=8, choices=PostSource.choices, default=PostSource.WEB
    )
    # Now, unless the post is older than its writing: an archive's message keeps its date.
    created_at = models.DateTimeField(_("écrit le"), default=timezone.now, db_index=True)
    edited_at = models.DateTimeField(_("modifié le"), null=True, blank=True)
    is_hidden = models.BooleanField(_("masqué"), default=False)
    hidden_reason = models.CharField(_("motif du masquage"), max_length=300, blank=True)
    hidden_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("masqué par"),
    )
    hidden_at = models.DateTimeField(_("masqué le"), null=True, blank=True)
    # Guards against a double submit: the same form token twice makes one post.
    submission_key = models.CharField(max_length=64, blank=True)
    # The Message-ID of the mail this post came from: the same mail twice makes one
    # post (mailbridge's deduplicate step).
    message_id = models.CharField(max_length=255, blank=True, db_index=True)

    objects = PostQuerySet.as_manager()

    class Meta:
        verbose_name = _("message")
        verbose_name_plural = _("messages")
        ordering = ["thread", "number"]
        constraints = [
            models.UniqueConstraint(fields=["thread", "number"], name="post_number_per_thread"),
            models.UniqueConstraint(
                fields=["author", "submission_key"],
                condition=~models.Q(submission_key=""),
                name="one_post_per_submission",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.thread} #{self.number}"

    def get_absolute_url(self) -> str:
        return f"{self.thread.get_absolute_url()}?post={self.pk}#post-{self.pk}"

    def shown_attachments(self) -> list:
        """The files shown under the post: those a page fetched for all its posts at
        once (forum.selectors.posts_page), else asked for now."""
        try:
            return self.prefetched_attachments
        except AttributeError:
            return list(self.attachments.all())


class PostRevision(models.Model):
    """An earlier version of a post, kept when it is edited (visible to moderators)."""

    post = models.ForeignKey(
        Post, on_delete=models.CASCADE, related_name="revisions", verbose_name=_("message")
    )
    body_markdown = models.TextField(_("texte (Markdown)"))
    edited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
        verbose_name=_("modifié par"),
    )
    replaced_at = models.DateTimeField(_("remplacé le"), auto_now_add=True)

    class Meta:
        verbose_name = _("version précédente")
        verbose_name_plural = _("versions précédentes")
        ordering = ["post", "-replaced_at"]

    def __str__(self) -> str:
        return f"{self.post} @ {self.replaced_at:%Y-%m-%d %H:%M}"


class FollowLevel(models.TextChoices):
    EMAIL = "email", _("chaque message par courriel")
    DIGEST = "digest", _("résumé quotidien")
    WEB = "web", _("sur le site seulement")
    MUTED = "muted", _("en sourdine")


class Follow(models.Model):
    """A person's choice for a board or a thread (exactly one of the two)."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="follows",
        verbose_name=_("personne"),
    )
    board = models.ForeignKey(
        Board, on_delete=models.CASCADE, null=True, blank=True, related_name="follows"
    )
    thread = models.ForeignKey(
        Thread, on_delete=models.CASCADE, null=True, blank=True, related_name="follows"
    )
    level = models.CharField(_("suivi"), max_length=8, choices=FollowLevel.choices)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("suivi")
        verbose_name_plural = _("suivis")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(board__isnull=False, thread__isnull=True)
                | models.Q(board__isnull=True, thread__isnull=False),
                name="follow_board_xor_thread",
            ),
            models.UniqueConstraint(
                fields=["user", "board"],
                condition=models.Q(thread=None),
                name="one_follow_per_board",
            ),
            models.UniqueConstraint(
                fields=["user", "thread"],
                condition=models.Q(board=None),
                name="one_follow_per_thread",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user} → {self.thread or self.board}: {self.level}"


class ReadMark(models.Model):
    """How far a person has read a thread: the number of the last post seen."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    thread = models.ForeignKey(Thread, on_delete=models.CASCADE, related_name="read_marks")
    last_read_number = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "thread"], name="one_read_mark_per_thread")
        ]

    def __str__(self) -> str:
        return f"{self.user} read {self.thread} to #{self.last_read_number}"
