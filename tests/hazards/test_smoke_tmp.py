def test_smoke(demo, commander, as_user):
    api = as_user(commander)
    r = api.post("/api/v1/releases/", {"location": {"type": "Point", "coordinates": [113.6612, 22.6528]},
        "chemical": "7782-50-5", "rate_kg_s": 5, "duration_s": 600, "wind_speed_ms": 3, "wind_from_deg": 135,
        "daytime": True, "insolation": "moderate"}, format="json")
    print(r.status_code, {k: v for k, v in r.json().items() if k != "zones"})
    for z in r.json()["zones"]:
        print(z["level"], z["distance_m"], z["people"], [t["name"] for t in z["targets"]])
    for name in ["incidents", "resources", "risk-sources", "targets", "shelters", "hazard-zones", "areas", "threat-zones"]:
        r = api.get(f"/api/v1/layers/{name}/?bbox=113.4,22.5,113.8,22.9")
        print(name, r.status_code, r["Content-Type"], len(r.json()["features"]), r.content[:150])
    print(api.get("/api/v1/risk-sources/").json()["results"][0])
    print([(x["code"], x["grade"], x["r_value"]) for x in api.get("/api/v1/risk-sources/").json()["results"]])
