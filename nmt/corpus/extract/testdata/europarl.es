Lamentablemente , queda mucho camino por recorrer .
Así que ¡ c &apos; est la vie !
Dijo &quot; sí &quot; ( dos veces ) .
Es la opinión de la Comisión .
Línea sin inglés .
No lo sabemos .
No se lee .
