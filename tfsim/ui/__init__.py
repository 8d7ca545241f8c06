"""The tfsim desktop app (PySide6).  All Qt code lives in this package."""
