/* SCAFFOLD: the stored report read back with json-c (owner: helper reportjson). */
