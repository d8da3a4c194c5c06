"""The ICAO 9303 eMRTD application: MRZ, BAC, secure messaging, the LDS data groups and passive
authentication, written once and used by both the reader (terminal side) and the card emulator
(card side)."""
