# boot.py: keep it minimal; main.py does the work.
import gc

gc.collect()
