"""Build a contest and a family in the database configured by the environment; print their ids.
Used by the subprocess tests (and importable: `build(make_user)`)."""

import json

import django


def build() -> dict:
    from campaigns.models import User
    from tests.submissions.conftest import make_contest, make_family, make_tree

    def make_user(username, phone=None, password="Shuxiang-2027", **extra):
        return User.objects.create_user(username=username, phone=phone, password=password, **extra)

    tree = make_tree()
    campaign, events = make_contest(tree)
    guardian, child = make_family(make_user, tree)
    return {"event": events["recitation"].pk, "poem": events["poem"].pk, "child": child.pk, "user": guardian.pk}


if __name__ == "__main__":
    django.setup()
    print(json.dumps(build()))
