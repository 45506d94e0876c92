"""The Textual app: screens, widgets, modals, stylesheet, themes, commands."""
