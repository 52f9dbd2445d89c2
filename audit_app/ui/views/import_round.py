import streamlit as st

st.title("import_round")
st.info("Coming soon")
