"""The builder's pages (server-rendered, for organizers): landing, 新建活动, the steps, files, preview."""
