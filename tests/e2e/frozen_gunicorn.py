"""gunicorn with a test clock: `python -m tests.e2e.frozen_gunicorn ARGS` runs the web server as if it were
E2E_NOW (ISO 8601, time moving on from there; the workers inherit the clock when they fork), so a browser
test can visit on a campaign's opening day. Used only by tests/e2e (Server.start with clock=...);
production has no clock setting."""

import os
import sys

import freezegun


def main() -> None:
    # gunicorn's own clock stays real: its master compares worker heartbeats with time.monotonic().
    freezegun.configure(extend_ignore_list=["gunicorn"])
    freezegun.freeze_time(os.environ["E2E_NOW"], tick=True).start()
    from gunicorn.app.wsgiapp import run

    sys.argv = ["gunicorn", *sys.argv[1:]]
    run()


if __name__ == "__main__":
    main()
