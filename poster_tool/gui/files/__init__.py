"""The File menu's flows and dialogs: import, crawl, export."""
