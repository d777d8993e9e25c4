-- Used by temporal-dev.yml: creates the demo product's database beside the engine's.
CREATE DATABASE demo_app OWNER dsar;
