-- Every commit that moves a zone's trail (each write of its data) notifies the channel
-- ecociv_changes with the zone's code, so that the other instances on the database drop what
-- they keep of it at once, instead of at their next look.
CREATE FUNCTION ecociv_notify_change() RETURNS trigger AS $$
BEGIN
    PERFORM pg_notify('ecociv_changes', NEW.zone_code);
    RETURN NEW;
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER trail_heads_notify AFTER INSERT OR UPDATE ON trail_heads FOR EACH ROW EXECUTE FUNCTION ecociv_notify_change();
