import json, sys
d = json.load(sys.stdin)
b = d['bootstrap']['meanIou']
print(f"{sys.argv[1]}: n={d['images']} IoU {100*d['meanIou']:.1f} [{100*b['low']:.1f}, {100*b['high']:.1f}] Dice {100*d['meanDice']:.1f} predFrac {d.get('meanPredictedFraction', float('nan')):.3f} trueFrac {d.get('meanTrueFraction', float('nan')):.3f}")
