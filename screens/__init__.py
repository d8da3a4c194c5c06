"""Every Kivy view, the presenters they read, and the Kivy App. The only package that imports
Kivy. Importing it creates no window: ``screens.window.configure`` must run first, then
``screens.app``."""
