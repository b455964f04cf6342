"""Every read of the reports layer, one module per concern:

- `scope`: which campaign (or library subtree) a user may report on;
- `sources`: the reports' own rules about the other apps' rows (the models are imported from their apps);
- `tally`: each source grouped once by (library, local day, event);
- `figures` and `sections`: the figures dict that the page, the WebSocket counters, the JSON API, the
  XLSX/CSV exports and `manage.py campaign_report` all render, so they cannot disagree;
- `dashboard`: the organizer dashboard (its figures cached per scope for a minute);
- `labels`: bilingual labels shared with the exports.

Each source is aggregated once in the database, grouped by (library, local day), and then folded in
Python over the ≤ 460 libraries: the cost grows with libraries × days, not rows.

Sources (app → model → what it counts, attributed to which library):
- campaigns.Registration  → registrations (library = the branch the child came through)
- submissions.Entry       → entries: live (not replaced/withdrawn) and not refused (`rejected`)
- events.QuizAttempt      → attempts: every non-practice sitting, by its start day
- judging.Like            → likes (not voided), by the entry's library
- wechat.Follower         → followers gained: subscribed during the campaign, by attributed library
- judging (rounds, assignments, results, appeals) → progress and awards
Participants are unique children (registered, entered or attempted); voters are counted as likes.
Days are local days in the campaign's time zone (Asia/Shanghai by default)."""
