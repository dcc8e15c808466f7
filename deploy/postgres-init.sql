-- Run once by the postgres image on an empty data folder (docker-compose.yml): the two roles of
-- the service, neither a superuser. vetting_owner owns the database and runs the migrations;
-- vetting_service is what the API connects as, and `vetting migrate` grants it only what the
-- service needs (app/privileges.py). Change both passwords for anything but a demo.
CREATE ROLE vetting_owner LOGIN PASSWORD 'owner-change-me' NOSUPERUSER NOCREATEDB NOCREATEROLE;
CREATE ROLE vetting_service LOGIN PASSWORD 'service-change-me' NOSUPERUSER NOCREATEDB NOCREATEROLE;
CREATE DATABASE vetting OWNER vetting_owner;
