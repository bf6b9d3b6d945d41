#!/usr/bin/python3
"""Regenerates porter_stems.tsv: NLTK's PorterStemmer() (default NLTK_EXTENSIONS mode) applied to a word list.

Produced with Debian 12's python3-nltk 3.8 (`apt-get install -y python3-nltk`, then `/usr/bin/python3 make_porter_stems.py`).
The word list is every distinct lower-case [a-z]+ word of the licence texts in /usr/share/common-licenses
(Apache-2.0, GPL-3, LGPL-3, GFDL-1.3, MPL-2.0, Artistic) plus the examples of Porter's paper and words that exercise
NLTK's extensions (irregular forms, four-letter -ies/-ied, -alli, -fulli, -logi, -bli).
"""
import glob
import re

from nltk.stem import porter

EXTRA = """
caresses ponies ties caress cats feed agreed plastered bled motoring sing conflated troubled sized hopping tanned
falling hissing fizzed failing filing happy sky relational conditional rational valenci hesitanci digitizer
conformabli radicalli differentli vileli analogousli vietnamization predication operator feudalism decisiveness
hopefulness callousness formaliti sensitiviti sensibiliti triplicate formative formalize electriciti electrical
hopeful goodness revival allowance inference airliner gyroscopic adjustable defensible irritant replacement
adjustment dependent adoption homologou communism activate angulariti homologous effective bowdlerize probate rate
cease controll roll skies dying lying tying news innings inning outings outing cannings canning howe proceed exceed
succeed dies died lied tied spied tried flies enjoy enjoyment spy fly try generously finalli beautifulli
archaeologi theologi analogi possibly ably abli syzygy toy trees ivy troubles private oaten orrery generalizations
oscillators yield yelling sayings played playing crying beyond boyish obeyed agreement argument statement
"""

words = set(EXTRA.split())
for name in ["Apache-2.0", "GPL-3", "LGPL-3", "GFDL-1.3", "MPL-2.0", "Artistic"]:
    for path in glob.glob("/usr/share/common-licenses/" + name):
        with open(path, encoding="utf-8") as f:
            words.update(re.findall(r"[a-z]+", f.read().lower()))

stemmer = porter.PorterStemmer()
with open("porter_stems.tsv", "w", encoding="utf-8") as out:
    for word in sorted(words):
        out.write(f"{word}\t{stemmer.stem(word)}\n")
