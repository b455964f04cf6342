"""The top layer that composes the others: the campaign builder (organizers' pages and API) and campaign files.

campaigns ← events ← submissions ← judging ← reports / builder; builder is the one app that also reads
wechat's typed settings (to compose a whole campaign). The campaign file (validate, apply, export, clone)
lives in builder.campaign_file — its public API is listed there; builder/file_port.py is the pages' door."""
