"""Everything in Yunhui that does I/O: the app, settings, views, API, store, scheduler."""
