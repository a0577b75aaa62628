# ESP32 implementations of firmware/app/iface.py. The only code that touches the board.
