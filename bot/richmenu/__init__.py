"""The office's rich menu of main topics: its layout (pure) and its image (Pillow); bot/line/richmenu.py
makes it a LINE rich menu and uploads it."""
