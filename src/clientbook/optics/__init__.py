"""Optical prescriptions: validated as an optician would, kept with their history."""
