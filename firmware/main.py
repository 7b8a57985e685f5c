# Korset wearable: started by MicroPython at boot.
from korsetfw import app

app.main()
