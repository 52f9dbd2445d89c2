import streamlit as st

st.title("standards")
st.info("Coming soon")
