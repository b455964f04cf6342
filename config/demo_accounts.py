"""The demo logins `make run` prints; campaigns/demo.py creates them (apps may add their own)."""

DEMO_PASSWORD = "shuxiang2027"

# (who, login, password, where to start)
DEMO_ACCOUNTS = [
    ("平台管理员 Superuser", "admin", DEMO_PASSWORD, "/admin/"),
    ("国家馆组织者 National organizer", "org-nlc", DEMO_PASSWORD, "/reports/"),
    ("省馆组织者 Provincial (湖南)", "org-hn", DEMO_PASSWORD, "/reports/"),
    ("市馆组织者 City (长沙)", "org-hn-cs", DEMO_PASSWORD, "/reports/"),
    ("县馆组织者 County (长沙县)", "org-hn-csx", DEMO_PASSWORD, "/reports/"),
    ("省馆组织者 Provincial (河北)", "org-he", DEMO_PASSWORD, "/reports/"),
    ("评委 Judge", "judge1", DEMO_PASSWORD, "/judging/"),
    ("主评委 Chief judge", "judge2", DEMO_PASSWORD, "/judging/"),
    ("家长 Guardian", "13800000001", DEMO_PASSWORD, "/family/"),
]
