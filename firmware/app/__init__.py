# nongso firmware logic: pure Python, runs on MicroPython (ESP32) and CPython.
# Nothing in this package may import machine, network, esp32, onewire or ds18x20.
