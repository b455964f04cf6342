"""Writes of the WeChat adapter: followers, delivered messages, voice entries, pushes, notifications.

Everything that calls WeChat's API runs in tasks (wechat/tasks.py); these services only touch the
database and enqueue, so the callback answers in milliseconds. One module per concern: `followers`,
`inbound` (recording and draining deliveries), `voices`, `pushes`, `deliveries`."""
