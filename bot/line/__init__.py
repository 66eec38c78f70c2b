"""Calls to LINE's Messaging API: clients and tokens per office (api), the rich menu's upload (richmenu)."""
